package org.eventrelayer.examples.demo.outbox;

import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.examples.demo.LocalEventGate;
import org.eventrelayer.outbox.Outbox;
import org.eventrelayer.outbox.OutboxStats;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The demo's {@code --outbox} mode: a host saves pages in an embedded H2 database and writes their purges through
 * a transactional {@link Outbox} in the same transaction; one save in ten rolls back. The local intake is up, down,
 * and up again meanwhile. The summary checks that every committed purge arrived and that no rolled-back one did.
 */
public final class OutboxDemo {

  /** Gives the group config for the local intake at {@code url}. */
  @FunctionalInterface
  public interface ConfigForIntake {
    /** The config (properties) that relays to {@code url}. */
    Properties forUrl(String url) throws IOException;
  }

  /**
   * What the run proved.
   *
   * @param committedSaves saves whose transaction committed
   * @param rolledBackSaves saves whose transaction rolled back
   * @param committedUrls distinct purge URLs of committed saves
   * @param missing committed URLs the intake never received
   * @param rolledBackUrls distinct purge URLs only rolled-back saves carried
   * @param leaked rolled-back URLs the intake received (must be none)
   * @param stats the outbox's stats at the end
   * @param maxPending the most rows that waited in the table at once
   * @param maxOldestAge the oldest a waiting row got
   * @param drained whether every committed row was final before the drain timeout
   */
  public record Summary(long committedSaves, long rolledBackSaves, int committedUrls, int missing,
      int rolledBackUrls, int leaked, OutboxStats stats, long maxPending, Duration maxOldestAge, boolean drained) {

    /** Every committed purge arrived, no rolled-back one did, nothing is left pending. */
    public boolean ok() {
      return drained && missing == 0 && leaked == 0 && stats.pending() == 0;
    }
  }

  static final String CHANNEL = "cdn-url-purges";
  /** Every save purges this URL too: equal purges waiting together in the outbox are sent once. */
  static final String HOT_URL = "https://demo.example.org/wiki/Main_Page";
  private static final int ROLLBACK_EVERY = 10;
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final PrintStream out;
  private final JdbcDataSource db = new JdbcDataSource();
  private final Set<String> committed = new HashSet<>();
  private final Set<String> rolledBack = new HashSet<>();
  private long saves;
  private long committedSaves;
  private long rolledBackSaves;
  private long maxPending;
  private Duration maxOldest = Duration.ZERO;

  private OutboxDemo(PrintStream out) {
    this.out = out;
    db.setURL("jdbc:h2:mem:outbox-demo-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
  }

  /**
   * Runs the demo: three phases of {@code phase} each (intake up, down, up), at {@code rate} purged URLs per
   * second, {@code batch} URLs per save, then drains and prints the summary.
   */
  public static Summary run(Duration phase, int rate, int batch, ConfigForIntake config, PrintStream out)
      throws IOException {
    OutboxDemo demo = new OutboxDemo(out);
    try (LocalEventGate gate = LocalEventGate.builder().trackIds(true).start();
        EventRelayerGroup group = EventRelayerGroup.fromProperties(config.forUrl(gate.url().toString()))) {
      Outbox outbox = Outbox.builder(demo.db, group).pollInterval(Duration.ofMillis(100)).build();
      try {
        return demo.execute(outbox, gate, phase, rate, batch);
      } catch (SQLException e) {
        throw new IOException("the demo's H2 database failed: " + e.getMessage(), e);
      } finally {
        outbox.close();
      }
    }
  }

  private Summary execute(Outbox outbox, LocalEventGate gate, Duration phase, int rate, int batch)
      throws SQLException {
    try (Connection c = db.getConnection()) {
      c.createStatement().execute("CREATE TABLE page (id BIGINT PRIMARY KEY, title VARCHAR(255), rev INT)");
    }
    outbox.installSchema();
    outbox.start();
    out.println(String.format(Locale.ROOT, "eventrelayer demo --outbox: a host saves pages in embedded H2 and "
        + "writes %d purges per save in the same transaction (%,d URLs/s); one save in %d rolls back. Intake %s",
        batch, rate, ROLLBACK_EVERY, gate.url()));
    out.println("outbox: " + outbox + ", polling every 100 ms (H2 has no wake-up hint)");
    phase(outbox, gate, "up", "intake UP", phase, rate, batch);
    gate.stop();
    phase(outbox, gate, "down", "intake DOWN: saves go on, their purges wait in the outbox table", phase, rate, batch);
    try {
      gate.restart();
    } catch (IOException e) {
      throw new SQLException("could not restart the intake", e);
    }
    phase(outbox, gate, "up again", "intake UP again: the table drains", phase, rate, batch);
    out.println("--- drain: waiting until every committed row is final (at most " + DRAIN_TIMEOUT.toSeconds() + " s)");
    boolean drained = outbox.flush(DRAIN_TIMEOUT);
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // the last answers reach the intake's counters
    Set<String> received = gate.receivedUris();
    int missing = 0;
    for (String u : committed) {
      missing += received.contains(u) ? 0 : 1;
    }
    Set<String> onlyRolledBack = new HashSet<>(rolledBack);
    onlyRolledBack.removeAll(committed);
    int leaked = 0;
    for (String u : onlyRolledBack) {
      leaked += received.contains(u) ? 1 : 0;
    }
    Summary s = new Summary(committedSaves, rolledBackSaves, committed.size(), missing, onlyRolledBack.size(),
        leaked, outbox.stats(), maxPending, maxOldest, drained);
    print(s, gate);
    return s;
  }

  private void phase(Outbox outbox, LocalEventGate gate, String name, String banner, Duration length, int rate,
      int batch) throws SQLException {
    out.println("--- " + name + " (" + length.toMillis() / 1000.0 + " s): " + banner);
    double interval = (double) batch * SECOND / rate;
    long start = System.nanoTime();
    long shown = start;
    double next = start;
    try (Connection tx = db.getConnection();
        PreparedStatement save = tx.prepareStatement("MERGE INTO page KEY (id) VALUES (?, ?, ?)")) {
      tx.setAutoCommit(false);
      while (true) {
        long now = System.nanoTime();
        if (now - start >= length.toNanos()) {
          break;
        }
        if (next - now > 0) {
          LockSupport.parkNanos((long) (next - now));
          continue;
        }
        next = Math.max(next + interval, now - SECOND);
        long n = ++saves;
        List<Map<String, Object>> purges = new ArrayList<>(batch);
        purges.add(Map.of("url", HOT_URL));
        for (int i = 1; i < batch; i++) {
          purges.add(Map.of("url", "https://demo.example.org/wiki/Page_" + n + "?section=" + i));
        }
        save.setLong(1, n % 1000);
        save.setString(2, "Page_" + n);
        save.setLong(3, n);
        save.executeUpdate();
        outbox.notifyMulti(tx, CHANNEL, purges);
        boolean commit = n % ROLLBACK_EVERY != 0;
        Set<String> into = commit ? committed : rolledBack;
        purges.forEach(p -> into.add((String) p.get("url")));
        if (commit) {
          tx.commit();
          committedSaves++;
        } else {
          tx.rollback();
          rolledBackSaves++;
        }
        if (now - shown >= SECOND) {
          shown = now;
          show(name, (now - start) / 1e9, outbox, gate);
        }
      }
    }
    show(name, length.toMillis() / 1000.0, outbox, gate);
  }

  private void show(String phase, double t, Outbox outbox, LocalEventGate gate) {
    OutboxStats s = outbox.stats();
    maxPending = Math.max(maxPending, s.pending());
    if (s.oldestPendingAge().compareTo(maxOldest) > 0) {
      maxOldest = s.oldestPendingAge();
    }
    out.println(String.format(Locale.ROOT, "%-8s %5.1fs | saves %,d committed, %,d rolled back | outbox pending "
            + "%,6d, oldest %5.1fs | relayed %,d (coalesced %,d) | intake %s %,d", phase, t, committedSaves,
        rolledBackSaves, s.pending(), s.oldestPendingAge().toMillis() / 1000.0, s.relayed(), s.coalesced(),
        gate.isUp() ? "up" : "DOWN", gate.received()));
  }

  private void print(Summary s, LocalEventGate gate) {
    OutboxStats st = s.stats();
    out.println("");
    out.println("=== summary (transactional outbox on embedded H2)");
    out.println(String.format(Locale.ROOT, "host saves        %,d committed, %,d rolled back (one in %d)",
        s.committedSaves(), s.rolledBackSaves(), ROLLBACK_EVERY));
    out.println(String.format(Locale.ROOT, "committed purges  %,d distinct URLs: %,d arrived, %,d missing",
        s.committedUrls(), s.committedUrls() - s.missing(), s.missing()));
    out.println(String.format(Locale.ROOT, "rolled back       %,d distinct URLs only rolled-back saves carried: %,d "
        + "arrived", s.rolledBackUrls(), s.leaked()));
    out.println(String.format(Locale.ROOT, "outbox            %,d rows relayed (%,d coalesced into an equal purge), "
        + "%,d dead-lettered, %,d pending; %,d database errors retried", st.relayed(), st.coalesced(),
        st.deadLettered(), st.pending(), st.relayErrors()));
    out.println(String.format(Locale.ROOT, "while down        up to %,d rows waited in the table, the oldest %.1f s",
        s.maxPending(), s.maxOldestAge().toMillis() / 1000.0));
    out.println(String.format(Locale.ROOT, "intake            %,d events received, %,d duplicates", gate.received(),
        gate.duplicates()));
    out.println(s.ok() ? "result            OK: every committed purge arrived, no rolled-back one did"
        : "result            FAILED: " + (s.drained() ? "" : "drain timed out; ") + s.missing() + " missing, "
            + s.leaked() + " rolled-back purges arrived");
  }
}
