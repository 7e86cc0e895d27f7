package org.eventrelayer.outbox;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A host in a JVM of its own for {@link OutboxCrashTest}, killed with SIGKILL. Arguments: mode, JDBC URL, table,
 * intake URL, then per mode:
 * <ul>
 *   <li>{@code write <n>}: commits {@code n} purges ({@value #COMMITTED}i) in one transaction and rolls back as
 *       many others ({@value #ROLLED_BACK}i), without starting the relay; prints {@code COMMITTED n}, then waits;
 *   <li>{@code relay <leaseMillis> <batchSize>}: runs the relay; prints {@code CLAIMED n} (rows its relay claimed)
 *       every 20 ms.
 * </ul>
 * It halts when its stdin closes (the test JVM went away) or after two minutes, so it never outlives the test.
 */
public final class OutboxHost {

  static final String COMMITTED = "https://en.example.org/wiki/Crash_committed_";
  static final String ROLLED_BACK = "https://en.example.org/wiki/Crash_rolledback_";

  private OutboxHost() {}

  /** Runs the host; see the class documentation. */
  public static void main(String[] args) throws Exception {
    watchdog();
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(args[1]);
    EventRelayerGroup group = EventRelayerGroup.fromMap(Databases.config(args[3]));
    if (args[0].equals("write")) {
      Outbox outbox = Outbox.builder(ds, group).table(args[2]).build();
      int n = Integer.parseInt(args[4]);
      write(ds, outbox, COMMITTED, n, true);
      write(ds, outbox, ROLLED_BACK, n, false);
      out.println("COMMITTED " + n);
    } else {
      Outbox outbox = Outbox.builder(ds, group).table(args[2]).lease(Duration.ofMillis(Long.parseLong(args[4])))
          .batchSize(Integer.parseInt(args[5])).pollInterval(Duration.ofMillis(100)).build();
      outbox.start();
      long last = -1;
      while (true) {
        long claimed = outbox.stats().claimed();
        if (claimed != last) {
          out.println("CLAIMED " + claimed);
          last = claimed;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
    while (true) { // wait to be killed, as a host would keep running
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
    }
  }

  private static void write(PGSimpleDataSource ds, Outbox outbox, String prefix, int n, boolean commit)
      throws Exception {
    try (Connection tx = ds.getConnection()) {
      tx.setAutoCommit(false);
      RelayResult r = outbox.notifyMulti(tx, Databases.CHANNEL, Databases.urls(prefix, 0, n));
      if (!r.allAccepted()) {
        throw new IllegalStateException("refused: " + r.refused());
      }
      if (commit) {
        tx.commit();
      } else {
        tx.rollback();
      }
    }
  }

  /** Halts the JVM when stdin reaches its end (the parent is gone), or after two minutes at most. */
  private static void watchdog() {
    long ends = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    Thread t = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // nothing is sent; just wait for the end
        }
      } catch (IOException e) {
        // treat as closed
      }
      Runtime.getRuntime().halt(2);
    }, "stdin-watchdog");
    t.setDaemon(true);
    t.start();
    Thread timer = new Thread(() -> {
      LockSupport.parkNanos(ends - System.nanoTime());
      Runtime.getRuntime().halt(3);
    }, "deadline");
    timer.setDaemon(true);
    timer.start();
  }
}
