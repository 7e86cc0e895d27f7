package org.eventrelayer.http;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;

/**
 * A host application for {@link HttpSpoolCrashTest}, run in a JVM of its own and killed with SIGKILL. It builds a
 * group whose {@code type: http} service points at a port where nothing listens (the intake is down) and spools to
 * a directory, then relays purges, 20 URLs a call, until killed. One line per fact on stdout:
 * <ul>
 *   <li>{@code STARTED <n>}: the group is built; {@code n} events were replayed from the spool;
 *   <li>{@code ACCEPTED <i>}: every purge up to index {@code i} was accepted (and so is in the spool: the host
 *       never calls {@code awaitDurable});
 *   <li>{@code STATS delivered=<d> spooled=<s> accepted=<a> lastError=<e>} every 500 purges.
 * </ul>
 * It stops relaying by itself after {@value #MAX_EVENTS} purges or {@value #MAX_SECONDS} s, and halts when its
 * stdin closes (the test JVM went away), so it can never outlive the test.
 *
 * <p>Arguments: spool directory, intake port, service name.
 */
public final class HttpSpoolCrashHost {

  static final String CHANNEL = "cdn-url-purges";
  static final String PREFIX = "https://en.example.org/wiki/Crash_";
  static final int PER_CALL = 20;
  private static final int MAX_EVENTS = 200_000;
  private static final int MAX_SECONDS = 120;

  private HttpSpoolCrashHost() {}

  /** Runs the host; see the class documentation. */
  public static void main(String[] args) {
    Path spoolDir = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    String service = args[2];
    watchdog();
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    EventRelayerGroup group = EventRelayerGroup.fromMap(HttpSpoolCrashTest.config(service, port, spoolDir));
    EventRelayer relayer = group.getRelayer(CHANNEL);
    out.println("STARTED " + group.serviceStats().get(service).accepted());
    long ends = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_SECONDS);
    for (int i = 0; i < MAX_EVENTS && System.nanoTime() < ends; i += PER_CALL) {
      RelayResult r = relayer.notifyMulti(CHANNEL, HttpSpoolCrashTest.urls(i, PER_CALL));
      if (!r.allAccepted()) {
        out.println("REFUSED " + r.refused());
        break;
      }
      out.println("ACCEPTED " + (i + PER_CALL - 1));
      if (i >= HttpSpoolCrashTest.ACCEPTED_BEFORE_KILL) {
        // Past the burst the test waits for, relay on at a host's pace (a call per millisecond) until the kill: a
        // burst of compact records would otherwise run through MAX_EVENTS before the test sees the target.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      if ((i + PER_CALL) % 500 == 0) {
        ServiceStats s = group.serviceStats().get(service);
        out.println("STATS delivered=" + s.delivered() + " spooled=" + s.spooled() + " accepted=" + s.accepted()
            + " lastError=" + s.lastError());
      }
    }
    out.println("IDLE");
    while (true) { // wait to be killed, as a host would keep running
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
      if (System.nanoTime() - ends > 0) {
        Runtime.getRuntime().halt(3);
      }
    }
  }

  /** Halts the JVM when stdin reaches its end: the parent (the test) is gone. */
  private static void watchdog() {
    Thread t = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // the parent never writes; read() returns -1 only when its end of the pipe closes
        }
      } catch (IOException e) {
        // same: the pipe is gone
      }
      Runtime.getRuntime().halt(2);
    }, "parent-watchdog");
    t.setDaemon(true);
    t.start();
  }
}
