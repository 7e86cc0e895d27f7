package org.eventrelayer.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.core.RateLimitedLogger;
import org.eventrelayer.internal.OutboxSupport;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay: one thread that claims committed rows in batches, hands their events to the group's services, and
 * deletes (or dead-letters, or gives back) each row once its event is final. All its state is this thread's; the
 * services report outcomes through {@link #finished}, and others may only {@link #wake()} it.
 *
 * <p>Failures of the database (a lost connection, a broken table) never lose a row: the statement is retried on a
 * fresh connection with a growing pause, counted and logged rate-limited; rows whose outcome could not be written
 * stay claimed and are written on the next try, or are taken over after their lease if this process dies.
 */
final class Relay implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(Relay.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final long QUEUE_FULL_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long MAX_ERROR_PAUSE_MS = 5_000;
  private static final long PURGE_EVERY_MS = 60_000;
  private static final long CLOSED_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long CLAIM_SPACING_MS = 5;

  private final DataSource dataSource;
  private final EventRelayerGroup group;
  private final OutboxTable table;
  private final Counters counters;
  private final String owner;
  private final OutboxSettings settings;
  private final RateLimitedLogger rateLimited = new RateLimitedLogger(log, Duration.ofSeconds(30));
  private final ConcurrentLinkedQueue<Carrier> finished = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean signalled = new AtomicBoolean();
  private final ArrayDeque<Carrier> waiting = new ArrayDeque<>();
  private final Map<String, List<EventService>> servicesByChannel = new HashMap<>();
  private final Ids toDelete = new Ids();
  private final Ids toRelease = new Ids();
  private final Ids toBury = new Ids();
  private final List<String> buryReasons = new ArrayList<>();
  private volatile Thread thread;
  private volatile boolean stopping;
  private Connection connection;
  /**
   * The rows this relay claimed and has not written an outcome for. Only these have their lease renewed: a claim
   * whose commit took effect while its connection died before the answer leaves rows leased to this relay that it
   * never saw; not renewed, they return to every relay when their lease runs out instead of being held for good.
   */
  private final Set<Long> held = new HashSet<>();
  private long errorPauseMs;
  private boolean serviceClosed;
  private boolean lastClaimFull;
  private long lastClaimNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);

  Relay(DataSource dataSource, EventRelayerGroup group, OutboxTable table, Counters counters, String owner,
      OutboxSettings settings) {
    this.dataSource = dataSource;
    this.group = group;
    this.table = table;
    this.counters = counters;
    this.owner = owner;
    this.settings = settings;
  }

  /** Starts the relay thread. */
  void start() {
    Thread t = new Thread(this, "eventrelayer-outbox-relay-" + table.name);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Makes the relay look for rows now (the wake-up hint, a flush). Any thread. */
  void wake() {
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /**
   * Stops claiming, waits up to {@code timeout} for the events in flight to become final and writes their
   * outcome, then gives back every row still claimed, so the next relay takes them at once.
   */
  void stop(Duration timeout) {
    stopping = true;
    Thread t = thread;
    if (t == null) {
      return;
    }
    LockSupport.unpark(t);
    try {
      t.join(timeout.toMillis() + 5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void run() {
    long nextRenew = System.currentTimeMillis() + settings.lease().toMillis() / 3;
    long nextPurge = System.currentTimeMillis();
    while (!stopping) {
      try {
        writeOutcomes();
        boolean more = false;
        if (offerWaiting() && held.size() < settings.maxInFlight()) {
          spaceClaims();
          more = claim(Math.min(settings.batchSize(), settings.maxInFlight() - held.size()));
          lastClaimFull = more;
        }
        long now = System.currentTimeMillis();
        if (now >= nextRenew) {
          table.renew(connection(), owner, held, now + settings.lease().toMillis());
          commit();
          nextRenew = now + settings.lease().toMillis() / 3;
        }
        if (now >= nextPurge) {
          int purged = table.purgeDead(connection(), now - settings.deadLetterRetention().toMillis());
          commit();
          if (purged > 0) {
            log.info("eventrelayer outbox {}: removed {} dead letter(s) older than {}", table.name, purged,
                settings.deadLetterRetention());
          }
          nextPurge = now + PURGE_EVERY_MS;
        }
        errorPauseMs = 0;
        if (serviceClosed) {
          // The group is closing or closed: rows go back, and claiming again at once would only spin.
          serviceClosed = false;
          LockSupport.parkNanos(this, Math.max(settings.pollInterval().toNanos(), CLOSED_PAUSE_NANOS));
        } else if (!more && finished.isEmpty()) {
          long untilRenew = TimeUnit.MILLISECONDS.toNanos(Math.max(1, nextRenew - System.currentTimeMillis()));
          LockSupport.parkNanos(this, Math.min(untilRenew,
              waiting.isEmpty() ? settings.pollInterval().toNanos() : QUEUE_FULL_PAUSE_NANOS));
        }
      } catch (SQLException | RuntimeException e) {
        failed(e);
      }
    }
    shutdown();
  }

  /**
   * After a claim that was not full, waits until {@value #CLAIM_SPACING_MS} ms after it before claiming again. When
   * commits (and their hints) come every few milliseconds this gathers their rows into one claim instead of one
   * small claim each, whose round trips would cap the rate; an idle relay is not delayed, as its last claim is old.
   */
  private void spaceClaims() {
    if (lastClaimFull) {
      return;
    }
    long until = lastClaimNanos + TimeUnit.MILLISECONDS.toNanos(CLAIM_SPACING_MS);
    long left;
    while (!stopping && (left = until - System.nanoTime()) > 0) {
      LockSupport.parkNanos(this, left);
    }
    lastClaimNanos = System.nanoTime();
  }

  /** The services' side: an event's outcome is known. Any thread. */
  private void complete(Carrier c) {
    finished.add(c);
    // One wake-up per drain, not per event: a batch of a thousand outcomes costs one unpark.
    if (!signalled.getAndSet(true)) {
      LockSupport.unpark(thread);
    }
  }

  /** Claims up to {@code limit} rows and offers their events. @return whether the claim was full. */
  private boolean claim(int limit) throws SQLException {
    long now = System.currentTimeMillis();
    List<OutboxRow> rows = table.claim(connection(), owner, now, now + settings.lease().toMillis(), limit);
    commit();
    if (rows.isEmpty()) {
      return false;
    }
    counters.claimed.add(rows.size());
    for (OutboxRow r : rows) {
      held.add(r.id());
    }
    // Equal purges claimed together were all committed before any of them is sent: one event carries them all.
    Map<String, List<OutboxRow>> groups = new LinkedHashMap<>();
    for (OutboxRow r : rows) {
      String key = r.coalesceKey() == null ? "#" + r.id() : r.channel() + '\u0000' + r.coalesceKey();
      groups.computeIfAbsent(key, k -> new ArrayList<>(1)).add(r);
    }
    for (List<OutboxRow> same : groups.values()) {
      Carrier c;
      try {
        c = carrier(same);
      } catch (RuntimeException e) { // a bug, not the database: keep the rows, with why, rather than hold them
        bury(same.stream().mapToLong(OutboxRow::id).toArray(), "the relay failed on this row: " + e);
        continue;
      }
      if (c != null && !offer(c)) {
        waiting.add(c);
      }
    }
    return rows.size() == limit;
  }

  /** Builds the carrier of rows with one coalescing identity; dead-letters them and returns null if unusable. */
  private Carrier carrier(List<OutboxRow> same) {
    long[] ids = new long[same.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = same.get(i).id();
    }
    OutboxRow last = same.get(same.size() - 1); // the newest of equal purges: its meta.dt is the latest
    List<EventService> services = services(last.channel());
    if (services == null) {
      bury(ids, "channel '" + last.channel() + "' has no relayer that can relay through the outbox any more");
      return null;
    }
    Map<String, Object> event;
    try {
      event = JSON.readValue(last.event(), MAP);
    } catch (JsonProcessingException e) {
      bury(ids, "unreadable event in outbox row " + last.id() + ": " + e.getOriginalMessage());
      return null;
    }
    DeliveryTracker tracker = new DeliveryTracker();
    Carrier c = new Carrier(ids, new RowEvent(last.stream(), tracker, event, last.event(), last.coalesceKey()),
        tracker, services);
    counters.coalesced.add(ids.length - 1);
    tracker.future().whenComplete((report, error) -> {
      c.report = report;
      complete(c);
    });
    return c;
  }

  private List<EventService> services(String channel) {
    return servicesByChannel.computeIfAbsent(channel, ch -> {
      EventRelayer relayer = group.getRelayer(ch);
      return OutboxSupport.supports(relayer) ? OutboxSupport.services(relayer) : null;
    });
  }

  /**
   * Offers the carrier's event to the services it has not reached yet.
   *
   * @return {@code false} if a service's queue is full: the carrier waits and is offered again (backpressure:
   *     meanwhile no more rows are claimed, they wait in the table)
   */
  private boolean offer(Carrier c) {
    while (c.nextService < c.services.size()) {
      c.tracker.expect();
      Refusal r = c.services.get(c.nextService).offer(c.event);
      if (r == null) {
        c.nextService++;
        continue;
      }
      c.tracker.unexpect();
      if (r.reason() == RefusalReason.QUEUE_FULL) {
        return false;
      }
      // CLOSED: the group is closing, the rows go back for the next relay; anything else is the event's own fault.
      serviceClosed |= r.reason() == RefusalReason.CLOSED;
      c.failure = r.reason() == RefusalReason.CLOSED ? Carrier.Failure.RELEASE : Carrier.Failure.DEAD_LETTER;
      c.failureReason = r.reason().code() + ": " + r.detail();
      break;
    }
    c.tracker.seal();
    return true;
  }

  /** Offers the carriers that met a full queue. @return whether none is left waiting. */
  private boolean offerWaiting() {
    while (!waiting.isEmpty()) {
      if (!offer(waiting.peekFirst())) {
        return false;
      }
      waiting.pollFirst();
    }
    return true;
  }

  private void bury(long[] ids, String reason) {
    for (long id : ids) {
      toBury.add(id);
      buryReasons.add(reason);
    }
  }

  /** Turns finished carriers into row outcomes and writes them; on failure they are kept and written later. */
  private void writeOutcomes() throws SQLException {
    signalled.set(false);
    Carrier c;
    while ((c = finished.poll()) != null) {
      if (c.failure == Carrier.Failure.DEAD_LETTER || c.report != null && c.report.deadLettered() > 0) {
        bury(c.rowIds, c.failure != null ? c.failureReason : c.report.firstFailure());
      } else if (c.failure == Carrier.Failure.RELEASE || c.report == null || c.report.dropped() > 0) {
        toRelease.addAll(c.rowIds);
      } else {
        toDelete.addAll(c.rowIds);
      }
    }
    if (toDelete.size > 0) {
      table.delete(connection(), toDelete.ids, toDelete.size);
      commit();
      counters.relayed.add(toDelete.size);
      toDelete.removeFrom(held);
      toDelete.clear();
    }
    if (toBury.size > 0) {
      table.deadLetter(connection(), toBury.ids, buryReasons.toArray(new String[0]), toBury.size,
          System.currentTimeMillis());
      commit();
      rateLimited.warn("dead", "eventrelayer outbox {}: {} row(s) dead-lettered into {}, e.g.: {}", table.name,
          toBury.size, table.deadName, buryReasons.get(0));
      counters.deadLettered.add(toBury.size);
      toBury.removeFrom(held);
      toBury.clear();
      buryReasons.clear();
    }
    if (toRelease.size > 0) {
      table.release(connection(), owner, toRelease.ids, toRelease.size);
      commit();
      counters.released.add(toRelease.size);
      toRelease.removeFrom(held);
      toRelease.clear();
    }
  }

  private void failed(Exception e) {
    counters.relayErrors.increment();
    errorPauseMs = Math.min(MAX_ERROR_PAUSE_MS, Math.max(100, errorPauseMs * 2));
    rateLimited.warn("db", "eventrelayer outbox {}: database error, retrying in {} ms (rows stay in the table; "
        + "{} claimed here): {}", table.name, errorPauseMs, held.size(), e.toString());
    closeConnection();
    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(errorPauseMs));
  }

  private void shutdown() {
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
    // Carriers still waiting for room go back with the rest below; those some service took are awaited.
    int neverOffered = 0;
    for (Carrier c : waiting) {
      if (c.nextService == 0) {
        neverOffered += c.rowIds.length;
      } else {
        c.failure = Carrier.Failure.RELEASE;
        c.failureReason = "the outbox closed";
        c.tracker.seal();
      }
    }
    waiting.clear();
    while (System.nanoTime() - deadline < 0) {
      try {
        writeOutcomes();
        if (held.size() <= neverOffered) {
          break;
        }
      } catch (SQLException | RuntimeException e) {
        failed(e);
        continue;
      }
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
    }
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        int n = table.releaseAll(connection(), owner);
        commit();
        counters.released.add(n);
        break;
      } catch (SQLException | RuntimeException e) {
        failed(e);
      }
    }
    closeConnection();
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      Connection c = dataSource.getConnection();
      try {
        c.setAutoCommit(false);
        table.dialect.prepareRelayConnection(c);
      } catch (SQLException | RuntimeException e) {
        c.close();
        throw e;
      }
      connection = c;
    }
    return connection;
  }

  private void commit() throws SQLException {
    connection.commit();
  }

  private void closeConnection() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.rollback();
      } catch (SQLException | RuntimeException ignored) {
        // the connection is broken anyway
      }
      try {
        c.close();
      } catch (SQLException | RuntimeException ignored) {
        // nothing more to do with it
      }
    }
  }

  /** A growable list of row ids. */
  private static final class Ids {
    long[] ids = new long[64];
    int size;

    void add(long id) {
      if (size == ids.length) {
        ids = Arrays.copyOf(ids, size * 2);
      }
      ids[size++] = id;
    }

    void addAll(long[] more) {
      for (long id : more) {
        add(id);
      }
    }

    void clear() {
      size = 0;
    }

    void removeFrom(Set<Long> set) {
      for (int i = 0; i < size; i++) {
        set.remove(ids[i]);
      }
    }
  }
}
