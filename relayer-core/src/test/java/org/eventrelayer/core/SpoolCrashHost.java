package org.eventrelayer.core;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;

/**
 * A host application for {@link SpoolCrashTest}, run in a JVM of its own and killed with SIGKILL. It relays purges
 * to a spooling service whose intake confirms the first few batches, then takes one more and never answers (a
 * hung intake), and reports on stdout, one line each: {@code DELIVERED <uri>} / {@code INFLIGHT <uri>} for what
 * the intake received, and {@code ACCEPTED <i>} once every purge up to index {@code i} was accepted. It never
 * waits for durability ({@code awaitDurable}): an accepted purge is in the spool already. It relays, as fast as it
 * can, until killed.
 *
 * <p>Arguments: spool directory, service name, batches the intake confirms, first URL index, and optionally a number
 * of notifying threads. With threads, thread {@code t} notifies one purge per call, URL index {@code first + t *
 * 1,000,000 + i}, and prints {@code ACK t n} every 256 calls once its first {@code n} purges were accepted.
 */
public final class SpoolCrashHost {

  private SpoolCrashHost() {}

  /** Runs the host; see the class documentation. */
  public static void main(String[] args) {
    String spoolDir = args[0];
    String service = args[1];
    int confirm = Integer.parseInt(args[2]);
    int first = Integer.parseInt(args[3]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    AtomicInteger sends = new AtomicInteger();
    ScriptedTransport.PRESETS.put(service, batch -> {
      boolean confirmed = sends.incrementAndGet() <= confirm;
      for (BatchEvent e : batch.events()) {
        out.println((confirmed ? "DELIVERED " : "INFLIGHT ") + uri(e));
      }
      if (confirmed) {
        return SendResult.delivered();
      }
      while (true) { // received, never answered: the worker stays stuck in this send until the JVM dies
        LockSupport.park();
      }
    });
    EventRelayerGroup group = Groups.purgeGroup(service, Map.of(), Map.of(
        "spoolDir", spoolDir,
        "queueCapacity", 200,
        "maxBatchEvents", 50,
        "linger", "0ms",
        "spool.segmentBytes", "1MiB"));
    EventRelayer relayer = group.getRelayer("cdn-url-purges");
    out.println("STARTED " + group.serviceStats().get(service).accepted());
    if (args.length > 4) {
      burst(relayer, first, Integer.parseInt(args[4]), out);
      return;
    }
    for (int i = first; ; i += 20) {
      RelayResult r = relayer.notifyMulti("cdn-url-purges", Groups.urls(i, 20));
      if (!r.allAccepted()) {
        out.println("REFUSED " + r.refused());
        return;
      }
      out.println("ACCEPTED " + (i + 19));
    }
  }

  private static void burst(EventRelayer relayer, int first, int threads, PrintStream out) {
    for (int t = 0; t < threads; t++) {
      int base = first + t * 1_000_000;
      int thread = t;
      new Thread(() -> {
        for (int i = 0; ; i++) {
          RelayResult r = relayer.notifyMulti("cdn-url-purges", Groups.urls(base + i, 1));
          if (!r.allAccepted()) {
            out.println("REFUSED " + r.refused());
            return;
          }
          if ((i & 255) == 255) {
            out.println("ACK " + thread + " " + (i + 1));
          }
        }
      }, "notifier-" + t).start();
    }
  }

  private static String uri(BatchEvent e) {
    String json = e.jsonString();
    int at = json.indexOf("\"uri\":\"") + 7;
    return json.substring(at, json.indexOf('"', at));
  }
}
