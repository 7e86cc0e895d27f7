package org.eventrelayer.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.eventrelayer.core.RateLimitedLogger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL only: LISTENs on the outbox's channel on a connection of its own and wakes the relay when a host
 * transaction that wrote rows commits. A hint only: the relay polls anyway, so a lost hint (or a lost connection,
 * retried here) delays rows by at most the poll interval and loses none.
 */
final class WakeUpListener implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(WakeUpListener.class);
  private static final int WAIT_MS = 500;

  private final DataSource dataSource;
  private final String channel;
  private final Relay relay;
  private final Counters counters;
  private final RateLimitedLogger rateLimited = new RateLimitedLogger(log, Duration.ofSeconds(30));
  private volatile boolean stopping;
  private Thread thread;

  WakeUpListener(DataSource dataSource, String channel, Relay relay, Counters counters) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.relay = relay;
    this.counters = counters;
  }

  void start() {
    thread = new Thread(this, "eventrelayer-outbox-listen-" + channel);
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops listening; returns within about half a second. */
  void stop() {
    stopping = true;
    if (thread != null) {
      try {
        thread.join(WAIT_MS * 4L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void run() {
    long pauseMs = 0;
    while (!stopping) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(true);
        PGConnection pg;
        try {
          pg = c.unwrap(PGConnection.class);
        } catch (SQLException e) {
          log.warn("eventrelayer outbox: the DataSource's connections do not unwrap to PGConnection; no wake-up "
              + "hint, rows are found by polling only ({})", e.toString());
          return;
        }
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN \"" + channel + "\"");
        }
        relay.wake(); // hints sent while not listening are lost: look once
        pauseMs = 0;
        while (!stopping) {
          PGNotification[] hints = pg.getNotifications(WAIT_MS);
          if (hints != null && hints.length > 0) {
            relay.wake();
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (stopping) {
          return;
        }
        counters.relayErrors.increment();
        pauseMs = Math.min(5_000, Math.max(100, pauseMs * 2));
        rateLimited.warn("listen", "eventrelayer outbox: LISTEN {} failed, retrying in {} ms (polling meanwhile): {}",
            channel, pauseMs, e.toString());
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(pauseMs));
      }
    }
  }
}
