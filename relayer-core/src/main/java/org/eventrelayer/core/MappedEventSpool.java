package org.eventrelayer.core;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eventrelayer.ConfigException;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.core.spool.MappedSpool;
import org.eventrelayer.core.spool.RecoveryReport;
import org.eventrelayer.core.spool.SpoolLockedException;
import org.eventrelayer.core.spool.SpoolReader;
import org.eventrelayer.core.spool.SpoolSettings;
import org.eventrelayer.core.spool.SpooledRecord;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool on disk ({@code spoolDir} set): every accepted event is a record in a memory-mapped segment before
 * {@link #offer} returns, written on the caller's thread ({@link MappedSpool}), so a crash of the process loses
 * nothing that was accepted. The worker reads the records back in order ({@link #read}), marks each final once
 * delivered or dead-lettered, and checkpoints after every batch; segments holding only final records are deleted.
 * A start replays what the previous run left.
 *
 * <p>In memory the spool keeps, per event not yet read back, only who waits on it (its tracker and flush generation,
 * an {@link Entry} without the event) and, for coalescing, the purges not yet read by key: an equal purge offered
 * meanwhile follows the one in the spool instead of being written again.
 *
 * <p>Threads: {@link #offer} on callers; {@link #awaitDurable} on callers (it waits for the spool's thread to force);
 * everything else on the worker, except {@link #finished}, which may run on the thread dropping an event.
 */
final class MappedEventSpool implements Spool {

  private static final Logger log = LoggerFactory.getLogger(MappedEventSpool.class);
  static final String LEFT_IN_SPOOL = "left in the spool at close; replayed when the service starts again";

  private final EngineContext ctx;
  private final ServiceCounters counters;
  private final EventBuilder builder;
  private final MappedSpool spool;
  private final SpoolReader reader;
  private final SpoolRun run = new SpoolRun();
  private final AtomicBoolean runQueued = new AtomicBoolean();
  /** The worker holds as many events in memory as queueCapacity/queueBytes allow: the rest waits in the spool. */
  private volatile boolean memoryFull;
  /** Who waits on each record appended by this run and not read back yet, by sequence number. */
  private final ConcurrentHashMap<Long, Entry> waiting = new ConcurrentHashMap<>();
  /** Purges in the spool not read back yet, by coalescing key. */
  private final ConcurrentHashMap<String, Entry> waitingByKey = new ConcurrentHashMap<>();
  private final Refusal full;
  private final Object finalLock = new Object();
  private final Generation recoveredGeneration;
  // Worker-confined.
  private SpooledRecord stashed; // read before its caller registered who waits on it
  private long forcedBelow;
  private boolean finishedSinceCheckpoint;

  private MappedEventSpool(EngineContext ctx, EventBuilder builder, MappedSpool spool) {
    this.ctx = ctx;
    this.counters = ctx.counters;
    this.builder = builder;
    this.spool = spool;
    this.reader = spool.reader();
    this.full = new Refusal(0, RefusalReason.QUEUE_FULL, "spool of event service '" + ctx.name + "' is full ("
        + ctx.settings.spoolMaxBytes + " bytes, spool.maxBytes)");
    this.recoveredGeneration = ctx.generation();
    recover(spool.recovery());
  }

  /**
   * Opens the service's spool directory and queues what a previous run left there.
   *
   * @throws ConfigException naming {@code spoolDir} if the directory cannot be used or another relayer holds it
   */
  static MappedEventSpool open(EngineContext ctx, EventBuilder builder) {
    EngineSettings s = ctx.settings;
    SpoolSettings settings = SpoolSettings.builder().name(ctx.name).maxBytes(s.spoolMaxBytes)
        .segmentBytes(s.spoolSegmentBytes).forceInterval(s.fsyncEachBatch ? Duration.ZERO : s.fsyncInterval).build();
    try {
      return new MappedEventSpool(ctx, builder, MappedSpool.open(s.spoolDir, settings));
    } catch (SpoolLockedException e) {
      throw new ConfigException(s.spoolDirKey, e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(s.spoolDirKey, "cannot open the spool in " + s.spoolDir + ": " + e, e);
    }
  }

  private void recover(RecoveryReport r) {
    long n = r.replayable();
    if (n > 0) {
      recoveredGeneration.enter(n);
      counters.accepted.add(n);
      counters.spooled.addAndGet(n);
      queueRun();
      log.info("eventrelayer service '{}': replaying {} event(s) left in the spool {} by a previous run", ctx.name,
          n, spool.dir());
    }
    if (r.lost() > 0) { // accepted by an earlier run, and gone: counted so that the books balance
      counters.accepted.add(r.lost());
      counters.dropped.add(r.lost());
      counters.recordError("spool records lost: " + r.lostDamaged() + " to damaged bytes, " + r.lostMissing()
          + " with missing or truncated segment files");
    }
  }

  @Override
  public boolean takesOffers() {
    return true;
  }

  @Override
  public Refusal offer(PendingEvent event, int size) {
    DeliveryTracker tracker = event.tracker();
    String key = ctx.settings.coalesce ? event.coalesceKey() : null;
    if (key != null) {
      Entry first = waitingByKey.get(key);
      if (first != null && first.follow(tracker)) { // the equal purge in the spool carries this one
        counters.accepted.increment();
        counters.coalesced.increment();
        return null;
      }
    }
    long nowNanos = ctx.clock.nanoTime();
    long nowMillis = ctx.clock.currentTimeMillis();
    Generation gen = ctx.generation();
    Entry built = new Entry(event, size, gen, nowNanos, nowMillis);
    builder.serialize(built);
    if (built.event == null) { // can never be sent: the worker dead-letters it, as in memory mode
      gen.enter();
      counters.accepted.increment();
      counters.queued.incrementAndGet();
      counters.queuedBytes.addAndGet(size);
      ctx.queue.add(built);
      ctx.wakeIfIdle();
      return null;
    }
    byte[] record = new SpooledEvent(nowMillis, event.stream(), built.event.id(), key, built.event.json()).encode();
    long seq = spool.append(record);
    if (seq < 0) {
      return refusal(org.eventrelayer.core.spool.Refusal.of(seq));
    }
    gen.enter();
    counters.accepted.increment();
    counters.spooled.incrementAndGet();
    Entry holder = new Entry(null, tracker, event.stream(), built.event.json().length, gen, nowNanos, nowMillis);
    holder.seq = seq;
    if (key != null) {
      holder.coalesceKey = key;
      waitingByKey.put(key, holder);
    }
    waiting.put(seq, holder);
    queueRun();
    return null;
  }

  private Refusal refusal(org.eventrelayer.core.spool.Refusal r) {
    counters.refused.increment();
    switch (r) {
      case FULL -> {
        ctx.rateLimited.warn("spool-full", "eventrelayer service '{}': spool full (spool.maxBytes {} bytes), "
            + "refusing events; last error: {}", ctx.name, ctx.settings.spoolMaxBytes, counters.lastError());
        return full;
      }
      case TOO_LARGE -> {
        return new Refusal(0, RefusalReason.EVENT_TOO_LARGE, "event larger than a spool segment of event service '"
            + ctx.name + "' (spool.segmentBytes " + ctx.settings.spoolSegmentBytes + ")");
      }
      case CLOSED -> {
        return new Refusal(0, RefusalReason.CLOSED, "event service '" + ctx.name + "' is closed");
      }
      default -> {
        return new Refusal(0, RefusalReason.QUEUE_FULL, "spool of event service '" + ctx.name + "' cannot take "
            + "events now (no segment ready: the disk or the spool's thread is behind; see the log)");
      }
    }
  }

  /** Puts the marker of records to read on the worker's queue, unless it is there. */
  private void queueRun() {
    if (!memoryFull && runQueued.compareAndSet(false, true)) {
      ctx.queue.add(run);
      ctx.wakeIfIdle();
    }
  }

  /**
   * Every accepted event is in the spool already (a crash of the process cannot lose it); this waits for the
   * spool's thread to force it to the device, the level that survives an operating-system crash or power loss.
   */
  @Override
  public boolean awaitDurable(Duration timeout) {
    try {
      spool.forceAsync().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      ctx.rateLimited.warn("spool-force", "eventrelayer service '{}': cannot force the spool {}: {}", ctx.name,
          spool.dir(), e.getCause().toString());
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The worker.

  /**
   * The next record as an entry; {@code null} once none is left, or while the caller of the next record has not
   * yet said who waits on it (either way the marker has left the queue; it comes back with the next append or
   * registration).
   */
  @Override
  public Entry read(SpoolRun marker) throws IOException {
    if (counters.queued.get() + counters.inFlight() >= ctx.settings.queueCapacity
        || counters.queuedBytes.get() >= ctx.settings.queueBytes) {
      memoryFull = true; // read on once events became final (see checkpoint)
      ctx.queue.poll();
      runQueued.set(false);
      return null;
    }
    while (true) {
      SpooledRecord r = stashed != null ? stashed : reader.next();
      stashed = null;
      if (r == null) {
        ctx.queue.poll(); // the marker, at the head
        runQueued.set(false);
        if (spool.nextSeq() > reader.nextSeq()) {
          queueRun(); // appended meanwhile
        }
        return null;
      }
      Entry holder = r.replayed() ? null : waiting.remove(r.seq());
      if (holder == null && !r.replayed()) {
        // Its append returned a moment ago and its caller is registering who waits on it. Step aside rather than
        // spin: the caller queues the marker again once registered (or this check sees it registered).
        stashed = r;
        ctx.queue.poll();
        runQueued.set(false);
        if (waiting.containsKey(r.seq())) {
          queueRun();
        }
        return null;
      }
      if (r.seq() >= forcedBelow && ctx.settings.fsyncEachBatch) {
        forcedBelow = spool.nextSeq();
        spool.force(); // spool.fsync: batch: nothing is sent before it is on the device
      }
      SpooledEvent ev;
      try {
        ev = SpooledEvent.decode(r.payload());
      } catch (IllegalArgumentException e) {
        unreadable(r, holder, e.getMessage());
        continue;
      }
      return entry(r, ev, holder);
    }
  }

  private Entry entry(SpooledRecord r, SpooledEvent ev, Entry holder) {
    Entry e = holder;
    if (e == null) {
      long ageMillis = Math.max(0, Math.min(ctx.clock.currentTimeMillis() - ev.acceptedMillis(),
          TimeUnit.DAYS.toMillis(3650)));
      e = new Entry(null, DeliveryTracker.untracked(), ev.stream(), ev.json().length, recoveredGeneration,
          ctx.clock.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ageMillis), ev.acceptedMillis());
      e.seq = r.seq();
    } else if (e.coalesceKey != null) {
      e.take(); // no equal purge may follow it any more
      waitingByKey.remove(e.coalesceKey, e);
    }
    e.event = new BatchEvent(ev.stream(), ev.json(), ev.id(), null);
    counters.spooled.decrementAndGet();
    counters.queued.incrementAndGet();
    counters.queuedBytes.addAndGet(e.sizeHint);
    return e;
  }

  private void unreadable(SpooledRecord r, Entry holder, String why) {
    String reason = "spool record unreadable: " + why;
    counters.spooled.decrementAndGet();
    counters.dropped.increment();
    counters.recordError(reason);
    markFinal(r.seq());
    if (holder != null) {
      holder.take();
      holder.tracker.dropped(reason);
      holder.followersDropped(reason);
      holder.generation.leave();
    } else {
      recoveredGeneration.leave();
    }
  }

  @Override
  public void consumed(Entry e) {}

  @Override
  public void finished(Entry e) {
    if (e.seq >= 0) {
      markFinal(e.seq);
    }
  }

  private void markFinal(long seq) {
    synchronized (finalLock) {
      spool.markFinal(seq);
      finishedSinceCheckpoint = true;
    }
  }

  @Override
  public void checkpoint() {
    if (memoryFull && counters.queued.get() + counters.inFlight() < ctx.settings.queueCapacity
        && counters.queuedBytes.get() < ctx.settings.queueBytes) {
      memoryFull = false;
      queueRun();
    }
    synchronized (finalLock) {
      if (!finishedSinceCheckpoint) {
        return;
      }
      finishedSinceCheckpoint = false;
      try {
        spool.checkpoint();
      } catch (IOException e) {
        ctx.rateLimited.warn("spool-checkpoint", "eventrelayer service '{}': cannot update the spool checkpoint "
            + "in {}: {}; a restart may send some delivered events again", ctx.name, spool.dir(), e.toString());
      }
    }
  }

  @Override
  public boolean mayLeaveRest() {
    return ctx.closing; // every accepted event is in the spool already: nothing is lost by leaving it there
  }

  @Override
  public boolean drained() {
    return !runQueued.get() && !memoryFull && stashed == null;
  }

  /** On exit: every event not final stays in the spool, counted as spooled; whoever waits on it is told. */
  @Override
  public void leave(List<Entry> left, Verdicts verdicts) {
    long kept = 0;
    for (Entry e : left) {
      counters.queued.decrementAndGet();
      counters.queuedBytes.addAndGet(-e.sizeHint);
      counters.spooled.incrementAndGet();
      release(e);
      kept++;
    }
    QueueItem item;
    while ((item = ctx.queue.poll()) != null) {
      if (item instanceof Entry e) {
        verdicts.unsendable(e); // built on its caller and found unsendable; not in the spool
      }
    }
    runQueued.set(true); // nothing may queue the marker any more
    kept += releaseWaiting();
    try {
      synchronized (finalLock) {
        spool.close();
      }
    } catch (IOException e) {
      log.warn("eventrelayer service '{}': error closing the spool {}: {}", ctx.name, spool.dir(), e.toString());
    }
    kept += releaseWaiting(); // appended by a caller that passed the closed check just before the close
    long replayLeft = counters.spooled.get() - kept;
    if (counters.spooled.get() > 0) {
      log.info("eventrelayer service '{}': {} event(s) stay in the spool {} for the next start", ctx.name,
          counters.spooled.get(), spool.dir());
    }
    if (replayLeft > 0) {
      recoveredGeneration.leave(replayLeft); // replayed records not read back: nobody waits on them
    }
  }

  /** Tells whoever waits on a record not read back that it stays in the spool. */
  private long releaseWaiting() {
    long n = 0;
    for (java.util.Iterator<Entry> it = waiting.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      it.remove();
      e.take();
      release(e);
      n++;
    }
    waitingByKey.clear();
    return n;
  }

  private static void release(Entry e) {
    e.generation.leave();
    e.tracker.spooled(LEFT_IN_SPOOL);
    e.followersSpooled(LEFT_IN_SPOOL);
  }

  @Override
  public boolean patientAtClose() {
    return true;
  }

  @Override
  public void beginClose() {}

  @Override
  public void abandon() {}

  @Override
  public void start() {}

  /** Damaged stretches skipped when the spool was opened, for tests. */
  long corruptRegions() {
    return spool.recovery().damagedStretches();
  }

  /** Bytes the spool's files take, for tests. */
  long usedBytes() {
    return spool.usedBytes();
  }

  Path dir() {
    return spool.dir();
  }
}
