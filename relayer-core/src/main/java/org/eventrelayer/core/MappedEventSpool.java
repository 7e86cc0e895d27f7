package org.eventrelayer.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
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
import org.eventrelayer.spi.SpoolCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool on disk ({@code spoolDir} set): every accepted event is a record in a memory-mapped segment before
 * {@link #offer} returns, written on the caller's thread ({@link MappedSpool}), so a crash of the process loses
 * nothing that was accepted. The worker reads the records back in order ({@link #read}), marks each final once
 * delivered or dead-lettered, and checkpoints after every batch; segments holding only final records are deleted.
 * A start replays what the previous run left.
 *
 * <p>An event whose {@link PendingEvent#spoolCodec()} gives a codec (a purge) is written in its compact form: the
 * caller encodes a few fields, and the worker decodes them and builds the event, so the JSON of a record is the
 * same every time it is read. Other events (and every event of a service that signs) are built and serialized on
 * the caller's thread, and their JSON is the record ({@link SpooledEvent}).
 *
 * <p>In memory the spool keeps, per record not read back, only its caller's tracker ({@link SpoolWaiters}), and only
 * while fewer than {@code spool.trackedEvents} records wait: beyond that a caller's future completes at once as
 * spooled, so a long outage costs no heap. An equal purge read back follows one the worker holds unsent.
 * {@code flush} waits for the records through the final watermark ({@link #awaitFinal}), not through generations.
 *
 * <p>Threads: {@link #offer} on callers; {@link #awaitDurable}, {@link #flushMark} and {@link #awaitFinal} on
 * callers; everything else on the worker, except {@link #finished}, which may run on the thread dropping an event.
 */
final class MappedEventSpool implements Spool {

  private static final Logger log = LoggerFactory.getLogger(MappedEventSpool.class);
  static final String LEFT_IN_SPOOL = "left in the spool at close; replayed when the service starts again";
  static final String UNTRACKED = "in the spool, not delivered yet; its delivery is not reported: more events than "
      + "spool.trackedEvents wait in the spool";
  private static final ThreadLocal<OfferScratch> SCRATCH = ThreadLocal.withInitial(OfferScratch::new);

  private final EngineContext ctx;
  private final ServiceCounters counters;
  private final EventBuilder builder;
  private final MappedSpool spool;
  private final SpoolReader reader;
  private final SpoolRun run = new SpoolRun();
  private final AtomicBoolean runQueued = new AtomicBoolean();
  /** The worker holds as many events in memory as queueCapacity/queueBytes allow: the rest waits in the spool. */
  private volatile boolean memoryFull;
  /** Every record below this number is final, as of the worker's last checkpoint: what flush waits for. */
  private volatile long finalBelow;
  /** Who waits on each record appended by this run and not read back yet, by sequence number. */
  private final SpoolWaiters waiters = new SpoolWaiters();
  /** Whether events may be spooled in their compact form (not when signing: the signature covers the JSON). */
  private final boolean compact;
  /** The codecs of compact records, by kind: the registered ones, and every one an offered event brought. */
  private final ConcurrentHashMap<String, SpoolCodec> codecs = new ConcurrentHashMap<>();
  private final Refusal full;
  private final Object finalLock = new Object();
  private final Generation recoveredGeneration;
  // Worker-confined.
  private SpooledRecord stashed; // read before its caller registered who waits on it
  private final RecentNames names = new RecentNames(); // the stream names and kinds of the records read back
  /**
   * The events read back and not final, by coalescing key: an equal event read back later follows the one here
   * unless that one is in flight (Admission's waitingByKey, at read time). At most queueCapacity entries.
   */
  private final HashMap<String, Entry> heldByKey = new HashMap<>();
  private long replayedUnread; // records replayed from an earlier run and not read back yet
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
    this.compact = ctx.settings.signer == null;
    loadCodecs();
    recover(spool.recovery());
    this.finalBelow = spool.finalBelow(); // the worker has not started: it moves it from here
  }

  /**
   * Opens the service's spool directory and queues what a previous run left there.
   *
   * @throws ConfigException naming {@code spoolDir} if the directory cannot be used or another relayer holds it
   */
  static MappedEventSpool open(EngineContext ctx, EventBuilder builder) {
    EngineSettings s = ctx.settings;
    SpoolSettings settings = SpoolSettings.builder().name(ctx.name).maxBytes(s.spoolMaxBytes)
        .segmentBytes(s.spoolSegmentBytes).forceInterval(s.fsyncEachBatch ? Duration.ZERO : s.fsyncInterval)
        .fillThreads(s.spoolFillThreads).build();
    try {
      return new MappedEventSpool(ctx, builder, MappedSpool.open(s.spoolDir, settings));
    } catch (SpoolLockedException e) {
      throw new ConfigException(s.spoolDirKey, e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(s.spoolDirKey, "cannot open the spool in " + s.spoolDir + ": " + e, e);
    }
  }

  /** The codecs registered as services, so that compact records an earlier run left can be read back. */
  private void loadCodecs() {
    ClassLoader[] loaders = {Thread.currentThread().getContextClassLoader(), MappedEventSpool.class.getClassLoader()};
    for (ClassLoader loader : loaders) {
      try {
        for (SpoolCodec c : ServiceLoader.load(SpoolCodec.class, loader)) {
          codecs.putIfAbsent(c.kind(), c);
        }
      } catch (ServiceConfigurationError | RuntimeException e) {
        log.warn("eventrelayer service '{}': a spool codec failed to load: {}", ctx.name, e.toString());
      }
    }
  }

  private void recover(RecoveryReport r) {
    long n = r.replayable();
    if (n > 0) {
      recoveredGeneration.enter(n);
      replayedUnread = n;
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
    SpoolCodec codec = compact ? event.spoolCodec() : null;
    long nowMillis = ctx.clock.currentTimeMillis();
    // Beyond spool.trackedEvents events waiting in the spool, the caller's future completes at once (spooled):
    // the heap then holds nothing per record, whatever the length of the outage.
    boolean awaited = counters.spooled.get() < ctx.settings.spoolTrackedEvents;
    long seq;
    OfferScratch scratch = codec == null ? null : SCRATCH.get();
    byte[] kind = scratch == null ? null : scratch.kindBytes(codec);
    if (kind != null) {
      seq = appendCompact(event, codec, kind, scratch, nowMillis, awaited);
    } else {
      Entry built = new Entry(event, size, ctx.generation(), ctx.clock.nanoTime(), nowMillis);
      builder.serialize(built);
      if (built.event == null) { // can never be sent: the worker dead-letters it, as in memory mode
        built.generation.enter();
        counters.accepted.increment();
        counters.queued.incrementAndGet();
        counters.queuedBytes.addAndGet(size);
        ctx.queue.add(built);
        ctx.wakeIfIdle();
        return null;
      }
      String key = ctx.settings.coalesce ? event.coalesceKey() : null;
      seq = spool.append(SpooledEvent.generic(nowMillis, event.stream(), built.event.id(), key, built.event.json())
          .encode(awaited));
    }
    if (seq < 0) {
      return refusal(org.eventrelayer.core.spool.Refusal.of(seq));
    }
    counters.accepted.increment();
    counters.spooled.incrementAndGet();
    if (awaited) {
      waiters.put(seq, event.tracker());
    } else {
      event.tracker().spooled(UNTRACKED);
    }
    queueRun();
    return null;
  }

  /** Appends the compact record of {@code event}: the codec's few fields, encoded on this thread, no JSON. */
  private long appendCompact(PendingEvent event, SpoolCodec codec, byte[] kind, OfferScratch s, long nowMillis,
      boolean awaited) {
    byte[] stream = s.streamBytes(event.stream());
    // Registers the codec for read-back; once it is there this is a lock-free read of the map's bin.
    codecs.putIfAbsent(codec.kind(), codec);
    ByteBuffer out = s.buffer(SpooledEvent.compactHeaderBytes(stream, kind) + codec.maxEncodedBytes(event));
    SpooledEvent.putCompactHeader(out, nowMillis, stream, kind, awaited);
    codec.encode(event, out);
    return spool.append(out.array(), 0, out.position());
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
    if (!memoryFull && !runQueued.get() && runQueued.compareAndSet(false, true)) { // read first: no write when set
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
      DeliveryTracker tracker = DeliveryTracker.untracked();
      Generation gen = Generation.UNCOUNTED; // flush waits for the spool's watermark instead (awaitFinal)
      if (r.replayed()) {
        gen = recoveredGeneration;
        replayedUnread--;
      } else if (!SpooledEvent.awaited(r.payload())) {
        // its caller was told at once (spool.trackedEvents)
      } else if (waiters.take(r.seq())) {
        tracker = waiters.tracker();
      } else {
        // Its append returned a moment ago and its caller is registering who waits on it. Step aside rather than
        // spin: the caller queues the marker again once registered (or this check sees it registered).
        stashed = r;
        ctx.queue.poll();
        runQueued.set(false);
        if (waiters.registered(r.seq())) {
          queueRun();
        }
        return null;
      }
      if (ctx.settings.fsyncEachBatch && r.seq() >= spool.forcedBelow()) {
        spool.force(); // spool.fsync: batch: nothing is sent before it is on the device (forced ahead, mostly)
      }
      Entry e;
      try {
        e = entry(SpooledEvent.decode(r.payload(), names), tracker, gen);
      } catch (IllegalArgumentException ex) {
        unreadable(r, tracker, gen, ex.getMessage());
        continue;
      }
      e.seq = r.seq();
      if (!coalesced(e)) {
        counters.spooled.decrementAndGet();
        counters.queued.incrementAndGet();
        counters.queuedBytes.addAndGet(e.sizeHint);
        return e;
      }
    }
  }

  /** The entry of a record read back: its event built from the JSON (generic), or to be built from the codec's. */
  private Entry entry(SpooledEvent ev, DeliveryTracker tracker, Generation gen) {
    long ageMillis = Math.max(0, Math.min(ctx.clock.currentTimeMillis() - ev.acceptedMillis(),
        TimeUnit.DAYS.toMillis(3650)));
    long acceptedNanos = ctx.clock.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ageMillis);
    if (ev.kind() == null) {
      Entry e = new Entry(null, tracker, ev.stream(), ev.json().length, gen, acceptedNanos, ev.acceptedMillis());
      e.event = new BatchEvent(ev.stream(), ev.json(), ev.id(), null);
      e.coalesceKey = ev.coalesceKey();
      return e;
    }
    SpoolCodec codec = codecs.get(ev.kind());
    if (codec == null) {
      throw new IllegalArgumentException("no spool codec for records of kind '" + ev.kind() + "' (register it "
          + "as a service of " + SpoolCodec.class.getName() + ")");
    }
    PendingEvent source;
    try {
      source = codec.decode(ev.stream(), ev.compact());
    } catch (RuntimeException ex) { // a codec's bug must not kill the worker
      throw new IllegalArgumentException("the " + ev.kind() + " record cannot be decoded: " + ex, ex);
    }
    if (source == null || !source.stream().equals(ev.stream())) {
      throw new IllegalArgumentException("the " + ev.kind() + " codec returned no event of stream " + ev.stream());
    }
    Entry e = new Entry(source, tracker, ev.stream(), source.sizeHint(), gen, acceptedNanos, ev.acceptedMillis());
    e.coalesceKey = source.coalesceKey();
    return e;
  }

  /**
   * Coalescing at read time: whether {@code e} joined an equal event read back earlier that the worker still holds
   * unsent (in the batch being assembled, or waiting for a retry: it is sent after this moment, so it carries this
   * purge too). {@code e} then shares that event's outcome, and its record becomes final with that one's.
   */
  private boolean coalesced(Entry e) {
    String key = ctx.settings.coalesce ? e.coalesceKey : null;
    if (key == null) {
      return false;
    }
    Entry leader = heldByKey.get(key);
    if (leader == null || !leader.follow(e.tracker)) {
      heldByKey.put(key, e); // leads the equal events read from now on
      return false;
    }
    leader.followerRecord(e.generation, e.seq);
    counters.spooled.decrementAndGet();
    counters.coalesced.increment();
    return true;
  }

  private void unreadable(SpooledRecord r, DeliveryTracker tracker, Generation gen, String why) {

    String reason = "spool record unreadable: " + why;
    counters.spooled.decrementAndGet();
    counters.dropped.increment();
    counters.recordError(reason);
    markFinal(r.seq());
    tracker.dropped(reason);
    gen.leave();
  }

  @Override
  public void consumed(Entry e) {}

  @Override
  public void finished(Entry e) {
    if (e.seq >= 0) {
      markFinal(e.seq);
      e.forEachFollowerSeq(this::markFinal);
      if (e.coalesceKey != null) { // read back by the worker, which makes its entries final
        heldByKey.remove(e.coalesceKey, e);
      }
    }
    e.leaveFollowerGenerations();
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
      if (spool.settleAbandoned()) { // appends that failed mid-way (refused): final, or flush would wait for them
        finishedSinceCheckpoint = true;
      }
      if (!finishedSinceCheckpoint) {
        return;
      }
      finishedSinceCheckpoint = false;
      finalBelow = spool.finalBelow();
      try {
        spool.checkpoint();
      } catch (IOException e) {
        ctx.rateLimited.warn("spool-checkpoint", "eventrelayer service '{}': cannot update the spool checkpoint "
            + "in {}: {}; a restart may send some delivered events again", ctx.name, spool.dir(), e.toString());
      }
    }
  }

  /** Every record appended so far has a number below this. */
  @Override
  public long flushMark() {
    return spool.nextSeq();
  }

  /**
   * Waits until the worker's checkpoints say that every record below {@code mark} is final. Polls (flush is a
   * blocking call of the host; the worker checkpoints after every batch and when idle).
   */
  @Override
  public boolean awaitFinal(long mark, long deadlineNanos) {
    long park = 20_000;
    while (finalBelow < mark) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0 || Thread.currentThread().isInterrupted() || ctx.terminated) {
        return finalBelow >= mark;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(this, Math.min(left, park));
      park = Math.min(park * 2, 5_000_000);
    }
    return true;
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
    for (Entry e : left) {
      counters.queued.decrementAndGet();
      counters.queuedBytes.addAndGet(-e.sizeHint);
      counters.spooled.incrementAndGet();
      release(e);
    }
    QueueItem item;
    while ((item = ctx.queue.poll()) != null) {
      if (item instanceof Entry e) {
        verdicts.unsendable(e); // built on its caller and found unsendable; not in the spool
      }
    }
    runQueued.set(true); // nothing may queue the marker any more
    heldByKey.clear();
    releaseWaiting();
    try {
      synchronized (finalLock) {
        spool.close();
      }
    } catch (IOException e) {
      log.warn("eventrelayer service '{}': error closing the spool {}: {}", ctx.name, spool.dir(), e.toString());
    }
    releaseWaiting(); // appended by a caller that passed the closed check just before the close
    if (counters.spooled.get() > 0) {
      log.info("eventrelayer service '{}': {} event(s) stay in the spool {} for the next start", ctx.name,
          counters.spooled.get(), spool.dir());
    }
    if (replayedUnread > 0) {
      recoveredGeneration.leave(replayedUnread); // replayed records not read back: nobody waits on them
      replayedUnread = 0;
    }
  }

  /** Tells whoever waits on a record not read back that it stays in the spool. */
  private void releaseWaiting() {
    waiters.drain(tracker -> tracker.spooled(LEFT_IN_SPOOL));
  }

  private static void release(Entry e) {
    e.tracker.spooled(LEFT_IN_SPOOL);
    e.followersSpooled(LEFT_IN_SPOOL);
    e.leaveFollowerGenerations();
    e.generation.leave();
  }

  @Override
  public boolean patientAtClose() {
    return true;
  }

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
