package org.eventrelayer.core.spool;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A host for the mapped spool's crash and lock tests, run in a JVM of its own (see {@code ChildJvm}).
 *
 * <ul>
 *   <li>{@code probe DIR}: tries to open the spool and prints {@code OPENED} or {@code LOCKED message}.</li>
 *   <li>{@code hold DIR}: opens the spool, prints {@code HOLDING}, and waits to be killed.</li>
 *   <li>{@code burst DIR THREADS COUNT}: each of THREADS threads appends COUNT records ({@code 0} = until refused) as
 *       fast as it can; every 512 returned appends it prints {@code ACK thread n} (n appends returned so far), and
 *       at its end {@code ACK thread n} and {@code END thread reason}. Then it prints {@code DONE} and waits to be
 *       killed. Never forces and never closes the spool: only what {@code append} did is there.</li>
 * </ul>
 */
public final class MappedSpoolHost {

  static final int SEGMENT_BYTES = 4 << 20;
  static final long MAX_BYTES = 128L << 20;

  private MappedSpoolHost() {}

  /** The payload of record {@code i} of {@code thread}: purge-sized, and checkable. */
  static byte[] payload(int thread, long i) {
    String s = thread + ":" + i + ":https://en.wikipedia.org/wiki/Special:Purge/Page_" + (i * 31 + thread) + "?x=";
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static SpoolSettings settings() {
    return SpoolSettings.builder().name("crash").segmentBytes(SEGMENT_BYTES).maxBytes(MAX_BYTES).build();
  }

  /** Runs the mode in {@code args[0]}. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "probe" -> {
        try (MappedSpool spool = MappedSpool.open(dir, settings())) {
          System.out.println("OPENED " + spool.recovery().replayable());
        } catch (SpoolLockedException e) {
          System.out.println("LOCKED " + e.getMessage());
        }
      }
      case "hold" -> {
        MappedSpool spool = MappedSpool.open(dir, settings());
        System.out.println("HOLDING " + spool.nextSeq());
        Thread.sleep(Long.MAX_VALUE);
      }
      case "burst" -> burst(MappedSpool.open(dir, settings()), Integer.parseInt(args[2]), Long.parseLong(args[3]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void burst(MappedSpool spool, int threads, long count) throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread th = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        long i = 0;
        String reason = "count";
        for (; count == 0 || i < count; i++) {
          long r = spool.append(payload(thread, i));
          if (r < 0) {
            reason = Refusal.of(r).reason();
            break;
          }
          if ((i & 511) == 511) {
            System.out.println("ACK " + thread + " " + (i + 1));
          }
        }
        System.out.println("ACK " + thread + " " + i);
        System.out.println("END " + thread + " " + reason);
      }, "appender-" + t);
      th.start();
      all.add(th);
    }
    long t0 = System.nanoTime();
    start.countDown();
    for (Thread th : all) {
      th.join();
    }
    System.out.println("RATE " + (long) ((double) count * threads * 1e9 / (System.nanoTime() - t0)) + " appends/s");
    System.out.println("DONE");
    Thread.sleep(Long.MAX_VALUE);
  }
}
