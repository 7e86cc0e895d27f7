package org.eventrelayer.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.internal.OutboxSupport;
import org.eventrelayer.internal.OutboxSupport.Prepared;
import org.eventrelayer.internal.OutboxSupport.Validation;

/**
 * A transactional outbox: events written through the host's own JDBC transaction are relayed if and only if that
 * transaction commits, and survive any crash after the commit.
 *
 * <pre>{@code
 * Outbox outbox = Outbox.builder(dataSource, group).table("eventrelayer_outbox").build();
 * outbox.installSchema();
 * outbox.start();
 * try (Connection tx = dataSource.getConnection()) {
 *   tx.setAutoCommit(false);
 *   savePage(tx, ...);
 *   outbox.notifyMulti(tx, "cdn-url-purges", List.of(Map.of("url", url)));
 *   tx.commit(); // the purge is relayed iff this commits
 * }
 * }</pre>
 *
 * <p>{@code notify}/{@code notifyMulti} validate as the channel's relayer does, build each accepted event once
 * (its {@code meta.id} and {@code meta.dt} are fixed then, so every relay of a row delivers the same event) and
 * insert it with one multi-row statement through the caller's connection, inside its transaction. The relay
 * ({@link #start()}) claims committed rows in batches ({@code FOR UPDATE SKIP LOCKED} and a renewed lease, so
 * several hosts share one table and the rows of a dead one are taken over after the lease), hands their events to
 * the group's services (routing, batching, retry, breaker, dead letters and metrics are the engine's) and deletes
 * each row once its event is final; dead-lettered rows move to {@code <table>_dead} with their reason. When a
 * service's queue is full the relay waits and the rows wait in the table. On PostgreSQL the insert also sends a
 * wake-up hint ({@code NOTIFY}, delivered on commit); the relay polls every {@code pollInterval} regardless.
 *
 * <p>Delivery is at least once: a relay that dies after sending and before deleting, or whose lease expires,
 * sends those rows again, as the same events. Thread-safe; {@link #close()} the outbox before its group.
 */
public final class Outbox implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CompletableFuture<DeliveryReport> KEPT =
      CompletableFuture.completedFuture(new DeliveryReport(0, 0, 0, null));
  private static final int MAX_ROWS_PER_STATEMENT = 1000;

  private final DataSource dataSource;
  private final EventRelayerGroup group;
  private final OutboxTable table;
  private final OutboxSettings settings;
  private final String hintChannel; // null: no hint
  private final Counters counters = new Counters();
  private final Relay relay;
  private WakeUpListener listener;
  private boolean started;
  private volatile boolean closed;
  /** The relay's name in the table's {@code lease_owner} column. */
  private final String owner;

  private Outbox(Builder b, Dialect dialect) {
    this.dataSource = b.dataSource;
    this.group = b.group;
    this.table = new OutboxTable(b.table, dialect);
    this.settings = new OutboxSettings(b.pollInterval, b.lease, b.batchSize, Math.max(1_000, b.batchSize * 8),
        b.deadLetterRetention, b.closeTimeout, b.wakeUpHint && dialect.hasWakeUpHint());
    this.hintChannel = settings.wakeUpHint() ? table.hintChannel() : null;
    this.owner = "pid" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 13);
    this.relay = new Relay(dataSource, group, table, counters, owner, settings);
  }

  /**
   * Starts configuring an outbox.
   *
   * @param dataSource the host's database: the table lives there and the relay uses its own connections from it
   * @param group the group whose relayers validate and whose services deliver the events
   */
  public static Builder builder(DataSource dataSource, EventRelayerGroup group) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"), Objects.requireNonNull(group, "group"));
  }

  /**
   * Creates the outbox table and its dead-letter table where missing (idempotent DDL for the detected
   * database), on a connection of its own, committed.
   *
   * @throws IllegalStateException if the database refused
   */
  public void installSchema() {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      table.install(c);
      c.commit();
      c.setAutoCommit(auto);
    } catch (SQLException e) {
      throw new IllegalStateException("eventrelayer outbox: could not install the schema of table '" + table.name
          + "' on " + table.dialect.name() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Starts the relay (and, on PostgreSQL, the listener of the wake-up hint). Rows committed by earlier runs, or by
   * relays whose lease expired, are relayed too. Idempotent.
   *
   * @throws IllegalStateException if the outbox is closed
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("the outbox of table '" + table.name + "' is closed");
    }
    if (started) {
      return;
    }
    started = true;
    relay.start();
    if (hintChannel != null) {
      listener = new WakeUpListener(dataSource, hintChannel, relay, counters);
      listener.start();
    }
  }

  /**
   * Writes one event in the caller's transaction. Equivalent to {@code notifyMulti(tx, channel, List.of(event))},
   * except that a {@code null} event is refused rather than thrown.
   *
   * @see #notifyMulti(Connection, String, List)
   */
  public RelayResult notify(Connection tx, String channel, Map<String, ?> event) throws SQLException {
    return notifyMulti(tx, channel, Collections.singletonList(event));
  }

  /**
   * Validates {@code events} as the channel's relayer does (same refusals, same reasons, at once) and writes the
   * accepted ones into the outbox table through {@code tx}, inside its transaction: no commit, no change of
   * auto-commit, no other connection; one multi-row statement (per 1000 events). They are relayed if and only if
   * the transaction commits. Equal purge URLs within the call are written once, as the relayer sends them once.
   *
   * <p>The returned result's {@code delivery()} completes at once with an empty report: delivery is the relay's
   * business, possibly in another process; {@link #flush(Duration)} and {@link #pending()} follow it.
   *
   * @param tx the host's connection, usually with auto-commit off
   * @param channel the channel, e.g. {@code cdn-url-purges}
   * @param events the events; {@code null} elements are refused individually
   * @return what was accepted and why anything was refused
   * @throws SQLException if the insert failed: the host's transaction should then be rolled back
   * @throws NullPointerException if {@code tx} or {@code events} is {@code null}
   */
  public RelayResult notifyMulti(Connection tx, String channel, List<? extends Map<String, ?>> events)
      throws SQLException {
    Objects.requireNonNull(tx, "tx");
    Objects.requireNonNull(events, "events");
    if (closed) {
      counters.refused.add(events.size());
      return RelayResult.refuseAll(events.size(), RefusalReason.CLOSED, "the outbox of table '" + table.name
          + "' is closed");
    }
    EventRelayer relayer = channel == null || channel.isBlank() ? null : group.getRelayer(channel);
    Validation v = OutboxSupport.validate(relayer, channel, events);
    List<Refusal> refused = v.refused();
    int accepted = v.accepted();
    List<Prepared> prepared = v.prepared();
    String[] json = new String[prepared.size()];
    for (int i = 0; i < json.length; i++) {
      try {
        json[i] = JSON.writeValueAsString(prepared.get(i).event());
      } catch (JsonProcessingException e) { // validation makes this unreachable for the built-in relayers
        refused = new ArrayList<>(refused);
        refused.add(new Refusal(prepared.get(i).index(), RefusalReason.UNSERIALIZABLE, e.getOriginalMessage()));
        accepted--;
      }
    }
    counters.refused.add(refused.size());
    insert(tx, channel, prepared, json);
    return new RelayResult(accepted, refused, KEPT);
  }

  private void insert(Connection tx, String channel, List<Prepared> prepared, String[] json) throws SQLException {
    long now = System.currentTimeMillis();
    int total = 0;
    for (String j : json) {
      total += j == null ? 0 : 1;
    }
    int at = 0;
    while (total > 0) {
      int rows = Math.min(MAX_ROWS_PER_STATEMENT, total);
      String sql = table.dialect.insert(table.name, rows, hintChannel);
      try (PreparedStatement ps = tx.prepareStatement(sql)) {
        int p = 1;
        for (int done = 0; done < rows; at++) {
          if (json[at] == null) {
            continue;
          }
          Prepared e = prepared.get(at);
          ps.setString(p++, channel);
          ps.setString(p++, e.stream());
          ps.setString(p++, e.coalesceKey());
          ps.setString(p++, json[at]);
          ps.setLong(p++, now);
          done++;
        }
        if (table.dialect.insertReturnsRows(hintChannel)) {
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
          }
        } else {
          ps.executeUpdate();
        }
      }
      counters.written.add(rows);
      total -= rows;
    }
  }

  /**
   * The number of rows in the outbox table not yet final (of every host sharing it), as committed now.
   *
   * @throws IllegalStateException if the database could not be asked
   */
  public long pending() {
    try (Connection c = dataSource.getConnection()) {
      return table.pending(c)[0];
    } catch (SQLException e) {
      throw new IllegalStateException("eventrelayer outbox: could not count the rows of '" + table.name + "': "
          + e.getMessage(), e);
    }
  }

  /**
   * Waits until every row committed before this call is final (delivered, dead-lettered or coalesced), by
   * whichever relay, or the timeout passes.
   *
   * @return whether all were final in time
   * @throws IllegalStateException if the database could not be asked
   */
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Connection c = dataSource.getConnection()) {
      long maxId = table.maxId(c);
      while (true) {
        relay.wake();
        if (table.countUpTo(c, maxId) == 0) {
          return true;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("eventrelayer outbox: could not read '" + table.name + "': " + e.getMessage(),
          e);
    }
  }

  /** A snapshot of the table (one query; pending is -1 if it failed) and of this instance's counters. */
  public OutboxStats stats() {
    long pending = -1;
    Duration oldest = Duration.ZERO;
    try (Connection c = dataSource.getConnection()) {
      long[] p = table.pending(c);
      pending = p[0];
      if (p[1] >= 0) {
        oldest = Duration.ofMillis(Math.max(0, System.currentTimeMillis() - p[1]));
      }
    } catch (SQLException e) {
      // the counters are still worth having; pending -1 says the table could not be read
    }
    return new OutboxStats(pending, oldest, counters.written.sum(), counters.refused.sum(),
        counters.claimed.sum(), counters.relayed.sum(), counters.coalesced.sum(), counters.deadLettered.sum(),
        counters.released.sum(), counters.relayErrors.sum());
  }

  /** The relay's name in the table's {@code lease_owner} column (tests). */
  String owner() {
    return owner;
  }

  /** The table's name. */
  public String table() {
    return table.name;
  }

  /**
   * Stops the relay: waits up to the close timeout for events in flight, writes their outcome, and gives back
   * every row still claimed so that the next relay takes it at once. Later {@code notify} calls refuse with
   * {@link RefusalReason#CLOSED}. Does not close the group. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (listener != null) {
      listener.stop();
    }
    if (started) {
      relay.stop(settings.closeTimeout());
    }
  }

  @Override
  public String toString() {
    return "Outbox{table=" + table.name + ", database=" + table.dialect.name() + ", hint=" + (hintChannel != null)
        + '}';
  }

  /** Configures an {@link Outbox}; every setter checks its argument at once. */
  public static final class Builder {
    private final DataSource dataSource;
    private final EventRelayerGroup group;
    private String table = "eventrelayer_outbox";
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration lease = Duration.ofSeconds(30);
    private int batchSize = 500;
    private Duration deadLetterRetention = Duration.ofDays(7);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private boolean wakeUpHint = true;

    private Builder(DataSource dataSource, EventRelayerGroup group) {
      this.dataSource = dataSource;
      this.group = group;
    }

    /** The outbox table (default {@code eventrelayer_outbox}); dead letters go to {@code <table>_dead}. */
    public Builder table(String table) {
      String problem = OutboxTable.problem(table);
      if (problem != null) {
        throw new IllegalArgumentException("table " + problem);
      }
      this.table = table;
      return this;
    }

    /** How often the relay looks for rows when no wake-up hint arrives (default 1 s; 1 ms to 1 h). */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = between("pollInterval", pollInterval, Duration.ofMillis(1), Duration.ofHours(1));
      return this;
    }

    /**
     * How long a relay's claim holds its rows (default 30 s; 500 ms to 1 h). A live relay renews it every third
     * of it; the rows of a relay that died are taken over by another once it expires.
     */
    public Builder lease(Duration lease) {
      this.lease = between("lease", lease, Duration.ofMillis(500), Duration.ofHours(1));
      return this;
    }

    /** Rows per claim (default 500; 1 to 10000). At most eight claims' worth are in flight. */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1 || batchSize > 10_000) {
        throw new IllegalArgumentException("batchSize must be between 1 and 10000, got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** How long dead-lettered rows are kept in {@code <table>_dead} (default 7 days; zero to 10 years). */
    public Builder deadLetterRetention(Duration retention) {
      this.deadLetterRetention = between("deadLetterRetention", retention, Duration.ZERO, Duration.ofDays(3650));
      return this;
    }

    /** How long {@link Outbox#close()} waits for events in flight (default 5 s; zero to 10 min). */
    public Builder closeTimeout(Duration closeTimeout) {
      this.closeTimeout = between("closeTimeout", closeTimeout, Duration.ZERO, Duration.ofMinutes(10));
      return this;
    }

    /**
     * Whether the host's insert also sends the wake-up hint (PostgreSQL {@code NOTIFY}, delivered on commit);
     * default true. Ignored on databases without one. Without it rows wait for the next poll.
     */
    public Builder wakeUpHint(boolean wakeUpHint) {
      this.wakeUpHint = wakeUpHint;
      return this;
    }

    /**
     * Builds the outbox; opens one connection to detect the database.
     *
     * @throws IllegalStateException if the database cannot be reached or is not supported
     */
    public Outbox build() {
      Dialect dialect;
      try (Connection c = dataSource.getConnection()) {
        dialect = Dialect.detect(c);
      } catch (SQLException e) {
        throw new IllegalStateException("eventrelayer outbox: could not reach the database to detect it: "
            + e.getMessage(), e);
      }
      return new Outbox(this, dialect);
    }

    private static Duration between(String name, Duration d, Duration min, Duration max) {
      Objects.requireNonNull(d, name);
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + d);
      }
      return d;
    }
  }
}
