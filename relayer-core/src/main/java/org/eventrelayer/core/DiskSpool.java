package org.eventrelayer.core;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.eventrelayer.ConfigException;
import org.eventrelayer.Refusal;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool on disk ({@code spoolDir} set), today's segment log behind the {@link Spool} interface: the
 * {@link SpoolWriter} (callers' hand-off and the writer thread) makes each event durable in the service's
 * {@link SpoolLog}; this class is the worker's half: it reads records that live only on disk back in order
 * ({@link SpoolRun}s), keeps the checkpoint of which records are final (rewritten after every batch; segments
 * holding only final records are deleted), replays on start what the previous run left, and at close keeps
 * whatever is not final for the next start. See {@link DeliveryEngine} for the window of loss.
 *
 * <p>Threads: {@link #offer} and {@link #awaitDurable} on callers (delegated to the writer); everything else on the
 * worker, except {@link #finished} which may also run on a caller dropping an event.
 */
final class DiskSpool implements Spool {

  private static final Logger log = LoggerFactory.getLogger(DiskSpool.class);
  private static final long CHECKPOINT_SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final String LEFT_IN_SPOOL = "left in the spool at close; replayed when the service starts again";

  private final EngineContext ctx;
  private final ServiceCounters counters;
  private final SpoolLog log_;
  private final SpoolWriter writer;
  private final AtomicLong corruptRegions = new AtomicLong();
  // Worker-confined.
  private final ArrayDeque<Entry> outstanding = new ArrayDeque<>(); // consumed records not known final, seq order
  private long lastConsumedSeq;
  private long[] recoveredFinals; // final records above the watermark the last run left
  private long finalized; // spool records that became final, ever
  private long finalizedCheckpointed;
  private long checkpointSyncedAt;
  private boolean checkpointDirty;

  private DiskSpool(EngineContext ctx, SpoolLog spoolLog, EventBuilder builder, Supplier<String> breakerState) {
    this.ctx = ctx;
    this.counters = ctx.counters;
    this.log_ = spoolLog;
    this.writer = new SpoolWriter(ctx, spoolLog, builder, breakerState);
    recover();
  }

  /**
   * Opens the service's spool directory and queues what a previous run left there.
   *
   * @throws ConfigException naming {@code spoolDir} if the directory cannot be used or another relayer holds it
   */
  static DiskSpool open(EngineContext ctx, EventBuilder builder, Supplier<String> breakerState) {
    EngineSettings s = ctx.settings;
    SpoolLog spoolLog;
    try {
      spoolLog = SpoolLog.open(s.spoolDir, s.spoolSegmentBytes);
    } catch (SpoolLog.LockedException e) {
      throw new ConfigException(s.spoolDirKey, e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(s.spoolDirKey, "cannot open the spool in " + s.spoolDir + ": " + e, e);
    }
    try {
      return new DiskSpool(ctx, spoolLog, builder, breakerState);
    } catch (RuntimeException e) {
      spoolLog.close();
      throw e;
    }
  }

  /** Queues what the previous run left in the spool, as accepted and spooled events nobody waits on. */
  private void recover() {
    long watermark = log_.watermark();
    lastConsumedSeq = watermark - 1;
    recoveredFinals = log_.recoveredFinals();
    writer.used.set(log_.diskBytes());
    corruptRegions.set(log_.corruptRegions());
    long n = log_.recoveredEvents();
    if (n > 0) {
      Generation gen = ctx.generation();
      gen.enter(n);
      counters.accepted.add(n);
      counters.spooled.addAndGet(n);
      long now = ctx.clock.nanoTime();
      for (SpoolLog.Pending p : log_.recovered()) {
        SpoolRun run = new SpoolRun(p.segment(), p.start(), p.end(), true, now);
        run.count = p.count();
        run.tags.add(new SpoolRun.Tag(DeliveryTracker.untracked(), gen, p.count()));
        ctx.queue.add(run);
      }
      log.info("eventrelayer service '{}': replaying {} event(s) left in the spool {} by a previous run", ctx.name,
          n, log_.dir());
    }
    if (log_.corruptRegions() > 0) {
      log.warn("eventrelayer service '{}': skipped {} corrupt stretch(es) ({} bytes) in the spool {}: torn writes "
              + "of a crash or damaged records; everything intact around them is replayed", ctx.name,
          log_.corruptRegions(), log_.corruptBytes(), log_.dir());
    }
  }

  @Override
  public void start() {
    writer.start();
  }

  @Override
  public boolean takesOffers() {
    return true;
  }

  @Override
  public boolean patientAtClose() {
    return true;
  }

  @Override
  public Refusal offer(PendingEvent event, int size) {
    return writer.offer(event, size);
  }

  @Override
  public boolean awaitDurable(Duration timeout) {
    return writer.awaitDurable(timeout);
  }

  @Override
  public void beginClose() {
    writer.beginClose();
  }

  @Override
  public void abandon() {
    writer.abandon();
  }

  // ---------------------------------------------------------------------------------------------------------
  // The worker.

  @Override
  public boolean mayLeaveRest() {
    return ctx.closing && writer.done();
  }

  @Override
  public boolean drained() {
    return writer.done();
  }

  @Override
  public void consumed(Entry e) {
    if (e.seq >= 0) {
      outstanding.addLast(e);
      lastConsumedSeq = e.seq;
    }
  }

  @Override
  public void finished(Entry e) {
    writer.memEvents.decrementAndGet();
    writer.memBytes.addAndGet(-e.sizeHint);
    if (e.seq >= 0) {
      e.isFinal = true;
      finalized++;
    }
  }

  /**
   * Records newly final records in the checkpoint (a positional write of a few bytes; fsync at most once a second)
   * and deletes the segments that hold only final records.
   */
  @Override
  public void checkpoint() {
    try {
      if (finalized != finalizedCheckpointed) {
        long w = watermark();
        writer.used.addAndGet(-log_.checkpoint(w, finalsAbove(w)));
        finalizedCheckpointed = finalized;
        checkpointDirty = true;
      }
      long now = System.nanoTime();
      if (checkpointDirty && now - checkpointSyncedAt >= CHECKPOINT_SYNC_NANOS) {
        log_.syncCheckpoint();
        checkpointDirty = false;
        checkpointSyncedAt = now;
      }
    } catch (IOException e) {
      ctx.rateLimited.warn("spool-checkpoint", "eventrelayer service '{}': cannot update the spool checkpoint in "
          + "{}: {}; a restart may send some delivered events again", ctx.name, log_.dir(), e.toString());
    }
  }

  /** The seq below which every record is final: the oldest consumed record not final, else the next to consume. */
  private long watermark() {
    while (!outstanding.isEmpty() && outstanding.peekFirst().isFinal) {
      outstanding.pollFirst();
    }
    return outstanding.isEmpty() ? lastConsumedSeq + 1 : outstanding.peekFirst().seq;
  }

  /** The final records above {@code w}, ascending: consumed out of order, or left so by the last run. */
  private long[] finalsAbove(long w) {
    int from = 0;
    while (from < recoveredFinals.length && recoveredFinals[from] < w) {
      from++;
    }
    if (from > 0) {
      recoveredFinals = Arrays.copyOfRange(recoveredFinals, from, recoveredFinals.length);
    }
    int n = 0;
    for (Entry e : outstanding) {
      if (e.isFinal) {
        n++;
      }
    }
    long[] out = Arrays.copyOf(recoveredFinals, recoveredFinals.length + n);
    int i = recoveredFinals.length;
    for (Entry e : outstanding) {
      if (e.isFinal) {
        out[i++] = e.seq;
      }
    }
    Arrays.sort(out);
    return out;
  }

  /**
   * Reads the next record of a run from disk, or returns {@code null} after removing the exhausted run from the
   * queue. Records that cannot be read back any more (damaged since written) are counted as dropped.
   */
  @Override
  public Entry read(SpoolRun run) throws IOException {
    while (true) {
      long end;
      synchronized (run) {
        end = run.end;
      }
      SpoolRecord r;
      try {
        if (run.cursor == null) {
          run.cursor = log_.cursor(run.segment, run.start, end);
        } else {
          run.cursor.extendTo(end);
        }
        r = run.cursor.next();
      } catch (IOException e) {
        if (Files.exists(run.segment.path)) {
          throw e; // a transient read error: the worker logs it and tries again shortly
        }
        // The segment file was removed behind our back: what it held is gone.
        log.warn("eventrelayer service '{}': spool segment {} disappeared: {}", ctx.name, run.segment,
            e.toString());
        synchronized (run) {
          run.end = run.cursor == null ? run.start : run.cursor.position();
        }
        run.cursor = null;
        r = null;
      }
      if (r != null && run.recovered && log_.isRecoveredFinal(r.seq())) {
        continue; // final before the last run ended (answered out of order): not counted, not sent again
      }
      if (r != null) {
        SpoolRun.Tag tag;
        synchronized (run) {
          tag = run.tags.peekFirst();
          if (tag == null) {
            continue; // more intact records than were counted: cannot happen; skip rather than double-deliver
          }
          if (--tag.count == 0) {
            run.tags.pollFirst();
            if (tag.tracker != null && tag.tracker != DeliveryTracker.untracked()) {
              writer.trackedTags.decrementAndGet();
            }
          }
          run.taken++;
        }
        return fromRecord(r, tag);
      }
      long missing;
      List<SpoolRun.Tag> lost;
      synchronized (run) {
        if (run.cursor != null && run.cursor.position() < run.end) {
          continue; // the writer extended the run meanwhile
        }
        run.sealed = true;
        missing = run.count - run.taken;
        lost = new ArrayList<>(run.tags);
        run.tags.clear();
      }
      ctx.queue.poll(); // the run, at the head
      if (!run.recovered && run.cursor != null && run.cursor.corruptRegions() > 0) {
        corruptRegions.addAndGet(run.cursor.corruptRegions());
      }
      if (missing > 0) {
        counters.spooled.addAndGet(-missing);
        counters.dropped.add(missing);
        String reason = "spool record unreadable (damaged on disk since it was written)";
        counters.recordError(reason);
        log.warn("eventrelayer service '{}': {} spooled event(s) in {} could not be read back: {}", ctx.name,
            missing, run.segment, reason);
        for (SpoolRun.Tag t : lost) {
          releaseTag(t, t.count, reason);
        }
      }
      return null;
    }
  }

  private Entry fromRecord(SpoolRecord r, SpoolRun.Tag tag) {
    long nowMillis = ctx.clock.currentTimeMillis();
    long ageMillis = Math.max(0, Math.min(nowMillis - r.acceptedMillis(), TimeUnit.DAYS.toMillis(3650)));
    DeliveryTracker tracker = tag.tracker != null ? tag.tracker : DeliveryTracker.untracked();
    Entry e = new Entry(null, tracker, r.stream(), r.json().length, tag.generation,
        ctx.clock.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ageMillis), r.acceptedMillis());
    e.seq = r.seq();
    e.event = new BatchEvent(r.stream(), r.json(), r.id(), null);
    counters.queued.incrementAndGet();
    counters.spooled.decrementAndGet();
    counters.queuedBytes.addAndGet(e.sizeHint);
    writer.memEvents.incrementAndGet();
    writer.memBytes.addAndGet(e.sizeHint);
    return e;
  }

  private void releaseTag(SpoolRun.Tag t, long n, String reason) {
    t.generation.leave(n);
    if (t.tracker != null && t.tracker != DeliveryTracker.untracked()) {
      for (long i = 0; i < n; i++) {
        t.tracker.dropped(reason);
      }
      writer.trackedTags.decrementAndGet();
    }
  }

  /** On exit: every durable event not final stays in the spool, counted as spooled. */
  @Override
  public void leave(List<Entry> left, Verdicts verdicts) {
    boolean interrupted = writer.join(); // the writer finishes the hand-off first (it takes no new events)
    long kept = 0;
    for (Entry e : left) {
      keepSpooled(e);
      kept++;
    }
    QueueItem item;
    while ((item = ctx.queue.poll()) != null) {
      if (item instanceof Entry e) {
        if (e.seq >= 0) {
          keepSpooled(e);
          kept++;
        } else {
          verdicts.unsendable(e);
        }
      } else {
        SpoolRun run = (SpoolRun) item;
        synchronized (run) {
          run.sealed = true;
          kept += run.count - run.taken;
          for (SpoolRun.Tag t : run.tags) {
            releaseTag(t, t.count, LEFT_IN_SPOOL);
          }
          run.tags.clear();
        }
      }
    }
    try {
      long w = watermark();
      log_.close(w, finalsAbove(w));
    } catch (IOException e) {
      log.warn("eventrelayer service '{}': error closing the spool {}: {}", ctx.name, log_.dir(), e.toString());
    }
    if (kept > 0) {
      log.info("eventrelayer service '{}': {} event(s) stay in the spool {} for the next start", ctx.name, kept,
          log_.dir());
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void keepSpooled(Entry e) {
    counters.spooled.incrementAndGet();
    counters.queued.decrementAndGet();
    counters.queuedBytes.addAndGet(-e.sizeHint);
    writer.memEvents.decrementAndGet();
    writer.memBytes.addAndGet(-e.sizeHint);
    e.generation.leave();
    e.tracker.dropped(LEFT_IN_SPOOL);
  }

  /** Corrupt stretches skipped (when opening, and when reading records back), for tests. */
  long corruptRegions() {
    return corruptRegions.get();
  }

  /** Bytes the spool holds or has reserved, for tests. */
  long usedBytes() {
    return writer.used.get();
  }

  java.nio.file.Path dir() {
    return log_.dir();
  }

}
