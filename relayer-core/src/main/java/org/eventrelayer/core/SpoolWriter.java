package org.eventrelayer.core;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writing half of the {@link DiskSpool}: callers hand events over through a bounded lock-free hand-off
 * ({@link #offer}, never blocking, no I/O); the writer thread ({@code eventrelayer-<service>-spool}) builds each
 * event, appends it to the {@link SpoolLog}, forces it (per {@code spool.fsync}) and publishes it to the worker's
 * queue: in memory while the memory bounds allow, otherwise as a {@link SpoolRun} of records only on disk.
 *
 * <p>Threads: {@link #offer} and {@link #awaitDurable} on callers; the hand-off loop on the writer; the counters
 * shared with the worker's half (atomic).
 */
final class SpoolWriter {

  private static final Logger log = LoggerFactory.getLogger(SpoolWriter.class);
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long WRITE_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final int WRITE_BATCH_EVENTS = 4096;
  private static final long WRITE_BATCH_BYTES = 4L << 20;
  /** Room reserved on disk per event beyond its size hint: the record framing and stream and id fields. */
  private static final int RECORD_OVERHEAD = 128;

  private final EngineContext ctx;
  private final EngineSettings settings;
  private final ServiceCounters counters;
  private final SpoolLog log_;
  private final EventBuilder builder;
  private final Supplier<String> breakerState;
  private final Thread writer;

  private final ConcurrentLinkedQueue<Entry> handoff = new ConcurrentLinkedQueue<>();
  private final AtomicInteger handoffEvents = new AtomicInteger();
  private final AtomicLong handoffBytes = new AtomicLong();
  /** Events in memory on the worker's side (queue, batches, retries), and their bytes: the memory bound. */
  final AtomicInteger memEvents = new AtomicInteger();
  final AtomicLong memBytes = new AtomicLong();
  /** Segment bytes plus the room reserved by the hand-off: the spool.maxBytes bound. */
  final AtomicLong used = new AtomicLong();
  /** Calls waiting on records that are only on disk: bounded by queueCapacity. */
  final AtomicInteger trackedTags = new AtomicInteger();
  private final AtomicLong handedOff = new AtomicLong(); // events accepted into the hand-off, ever
  private final AtomicLong doneWith = new AtomicLong(); // events the writer wrote or dropped, ever
  private final Object durability = new Object();
  private volatile int durabilityWaiters;
  private volatile boolean writerIdle;
  private volatile boolean writerDone;
  private volatile boolean abandonHandoff; // close() gave up waiting for the disk
  private SpoolRun lastRun; // writer-confined

  SpoolWriter(EngineContext ctx, SpoolLog spoolLog, EventBuilder builder, Supplier<String> breakerState) {
    this.ctx = ctx;
    this.settings = ctx.settings;
    this.counters = ctx.counters;
    this.log_ = spoolLog;
    this.builder = builder;
    this.breakerState = breakerState;
    this.writer = new Thread(this::runWriter, "eventrelayer-" + ctx.name + "-spool");
    this.writer.setDaemon(true);
  }

  void start() {
    writer.start();
  }

  /** Whether the writer has ended (after close: it wrote or dropped its whole hand-off). */
  boolean done() {
    return writerDone;
  }

  /** Waits for the writer to end; returns whether the wait was interrupted. */
  boolean join() {
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    return interrupted;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Callers.

  Refusal offer(PendingEvent event, int size) {
    if (handoffEvents.incrementAndGet() > settings.queueCapacity) {
      handoffEvents.decrementAndGet();
      return writerBehind(settings.queueCapacity + " events");
    }
    if (handoffBytes.addAndGet(size) > settings.queueBytes) {
      handoffBytes.addAndGet(-size);
      handoffEvents.decrementAndGet();
      return writerBehind(settings.queueBytes + " bytes");
    }
    long reserve = (long) size + RECORD_OVERHEAD;
    if (used.addAndGet(reserve) > settings.spoolMaxBytes) {
      used.addAndGet(-reserve);
      handoffBytes.addAndGet(-size);
      handoffEvents.decrementAndGet();
      counters.refused.increment();
      ctx.rateLimited.warn("spool-full", "eventrelayer service '{}': spool full (spool.maxBytes {} bytes), "
          + "refusing events; breaker {}, last error: {}", ctx.name, settings.spoolMaxBytes, breakerState.get(),
          counters.lastError());
      return new Refusal(0, RefusalReason.QUEUE_FULL, "spool of event service '" + ctx.name + "' is full ("
          + settings.spoolMaxBytes + " bytes, spool.maxBytes)");
    }
    Generation gen = ctx.generation();
    gen.enter();
    counters.accepted.increment();
    counters.queued.incrementAndGet();
    counters.queuedBytes.addAndGet(size);
    handedOff.incrementAndGet();
    handoff.add(new Entry(event, size, gen, ctx.clock.nanoTime(), ctx.clock.currentTimeMillis()));
    if (writerIdle) {
      LockSupport.unpark(writer);
    }
    if (writerDone) {
      dropHandoff("service closed");
    }
    return null;
  }

  private Refusal writerBehind(String bound) {
    counters.refused.increment();
    ctx.rateLimited.warn("spool-behind", "eventrelayer service '{}': the spool writer is behind ({} wait to be "
        + "written), refusing events", ctx.name, bound);
    return new Refusal(0, RefusalReason.QUEUE_FULL, "spool writer of event service '" + ctx.name + "' is behind ("
        + bound + " wait to be written)");
  }

  boolean awaitDurable(Duration timeout) {
    long target = handedOff.get();
    if (doneWith.get() >= target) {
      return true;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (durability) {
      durabilityWaiters++;
      try {
        while (doneWith.get() < target) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          durability.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        durabilityWaiters--;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // close().

  void beginClose() {
    LockSupport.unpark(writer);
  }

  void abandon() {
    abandonHandoff = true;
    LockSupport.unpark(writer);
  }

  // ---------------------------------------------------------------------------------------------------------
  // The writer.

  private void runWriter() {
    List<Entry> batch = new ArrayList<>();
    List<SpoolRecord> records = new ArrayList<>();
    long lastSync = System.nanoTime();
    boolean dirty = false;
    try {
      while (!abandonHandoff) {
        if (batch.isEmpty()) {
          long bytes = 0;
          Entry e;
          while (batch.size() < WRITE_BATCH_EVENTS && bytes < WRITE_BATCH_BYTES && (e = handoff.poll()) != null) {
            batch.add(e);
            bytes += e.sizeHint;
          }
        }
        if (batch.isEmpty()) {
          if (dirty && (ctx.closing || System.nanoTime() - lastSync >= settings.fsyncInterval.toNanos())) {
            if (forceQuietly()) {
              dirty = false;
            }
            lastSync = System.nanoTime();
            continue;
          }
          if (ctx.closing) {
            break;
          }
          long park = dirty ? Math.max(1, lastSync + settings.fsyncInterval.toNanos() - System.nanoTime())
              : IDLE_PARK_NANOS;
          writerIdle = true;
          try {
            if (handoff.isEmpty() && !ctx.closing) {
              LockSupport.parkNanos(this, Math.min(park, IDLE_PARK_NANOS));
            }
          } finally {
            writerIdle = false;
          }
          continue;
        }
        records.clear();
        long seq = log_.nextSeq();
        for (Entry e : batch) {
          builder.ensureBuilt(e);
          if (e.event != null) {
            e.seq = seq++;
            records.add(new SpoolRecord(e.seq, e.acceptedMillis, e.stream, e.event.id(), e.event.json()));
          }
        }
        long[] starts = new long[records.size()];
        long grew;
        try {
          grew = log_.append(records, starts);
        } catch (IOException | RuntimeException ex) {
          counters.recordError("spool write failed: " + ex);
          ctx.rateLimited.error("spool-write", "eventrelayer service '{}': cannot write the spool {} ({}); {} "
              + "event(s) wait in memory and will be written when it works again", ctx.name, log_.dir(),
              ex.toString(), handoffEvents.get());
          LockSupport.parkNanos(this, WRITE_RETRY_NANOS);
          continue; // the same batch again, with the same sequence numbers (append truncated what it wrote)
        }
        // A failed fsync is logged and the records published anyway: they are written, so a crash of the process
        // cannot lose them, and holding them back would not make the device keep them.
        if (settings.fsyncEachBatch) {
          forceQuietly();
        } else {
          dirty = true;
          if (System.nanoTime() - lastSync >= settings.fsyncInterval.toNanos()) {
            if (forceQuietly()) {
              dirty = false;
            }
            lastSync = System.nanoTime();
          }
        }
        publish(batch, records, starts, grew);
        batch.clear();
      }
    } catch (RuntimeException | Error e) {
      counters.recordError("spool writer failed: " + e);
      log.error("eventrelayer service '{}': the spool writer stopped: {}", ctx.name, e.toString(), e);
      throw e;
    } finally {
      for (Entry e : batch) {
        dropFromHandoff(e, "service closed before the spool writer could write it");
      }
      writerDone = true;
      dropHandoff("service closed before the spool writer could write it");
      wakeDurabilityWaiters();
      ctx.wake();
    }
  }

  /** Forces the spool to the device; logs (rate-limited) and returns false if that fails. */
  private boolean forceQuietly() {
    try {
      log_.force();
      return true;
    } catch (IOException | RuntimeException e) {
      counters.recordError("spool fsync failed: " + e);
      ctx.rateLimited.error("spool-fsync", "eventrelayer service '{}': cannot force the spool {} to disk: {}",
          ctx.name, log_.dir(), e.toString());
      return false;
    }
  }

  /** Hands a written batch to the worker: in memory while the memory bounds allow, else as a run on disk. */
  private void publish(List<Entry> batch, List<SpoolRecord> records, long[] starts, long grew) {
    long reserved = 0;
    int r = 0;
    for (Entry e : batch) {
      reserved += (long) e.sizeHint + RECORD_OVERHEAD;
      handoffEvents.decrementAndGet();
      handoffBytes.addAndGet(-e.sizeHint);
      if (e.failure != null) {
        toMemory(e);
        continue;
      }
      long start = starts[r];
      long end = start + records.get(r).encodedSize();
      r++;
      if (memEvents.get() < settings.queueCapacity && memBytes.get() + e.sizeHint <= settings.queueBytes) {
        toMemory(e);
      } else {
        counters.spooled.incrementAndGet();
        counters.queued.decrementAndGet();
        counters.queuedBytes.addAndGet(-e.sizeHint);
        toRun(e, start, end);
      }
    }
    used.addAndGet(grew - reserved);
    doneWith.addAndGet(batch.size());
    wakeDurabilityWaiters();
    ctx.wakeIfIdle();
  }

  private void toMemory(Entry e) {
    memEvents.incrementAndGet();
    memBytes.addAndGet(e.sizeHint);
    ctx.queue.add(e);
    lastRun = null;
  }

  private void toRun(Entry e, long start, long end) {
    DeliveryTracker tracker = e.tracker;
    boolean tracked = tracker != DeliveryTracker.untracked();
    SpoolRun run = lastRun;
    if (run != null) {
      synchronized (run) {
        if (!run.sealed && run.segment == log_.active() && run.end == start) {
          run.end = end;
          run.count++;
          addTag(run, tracker, tracked, e.generation);
          return;
        }
      }
    }
    run = new SpoolRun(log_.active(), start, end, false, e.acceptedNanos);
    run.count = 1;
    synchronized (run) {
      addTag(run, tracker, tracked, e.generation);
    }
    lastRun = run;
    ctx.queue.add(run);
  }

  /** Remembers who waits on a record that lives only on disk; beyond a bound, its delivery is no longer tracked. */
  private void addTag(SpoolRun run, DeliveryTracker tracker, boolean tracked, Generation gen) {
    SpoolRun.Tag last = run.tags.peekLast();
    if (last != null && last.tracker == tracker && last.generation == gen) {
      last.count++;
      return;
    }
    if (tracked && trackedTags.get() >= settings.queueCapacity) {
      ctx.rateLimited.warn("spool-untracked", "eventrelayer service '{}': more than {} calls wait on events that "
          + "are only on disk; the delivery futures of further ones will not complete (their events are still "
          + "delivered and counted)", ctx.name, settings.queueCapacity);
      tracker = null;
      tracked = false;
      if (last != null && last.tracker == null && last.generation == gen) {
        last.count++;
        return;
      }
    }
    if (tracked) {
      trackedTags.incrementAndGet();
    }
    run.tags.addLast(new SpoolRun.Tag(tracker, gen, 1));
  }

  private void wakeDurabilityWaiters() {
    if (durabilityWaiters > 0) {
      synchronized (durability) {
        durability.notifyAll();
      }
    }
  }

  private void dropHandoff(String reason) {
    Entry e;
    int n = 0;
    while ((e = handoff.poll()) != null) {
      dropFromHandoff(e, reason);
      n++;
    }
    if (n > 0) {
      log.warn("eventrelayer service '{}': dropped {} event(s) not yet written to the spool: {}", ctx.name, n,
          reason);
    }
  }

  private void dropFromHandoff(Entry e, String reason) {
    handoffEvents.decrementAndGet();
    handoffBytes.addAndGet(-e.sizeHint);
    used.addAndGet(-(long) e.sizeHint - RECORD_OVERHEAD);
    counters.queued.decrementAndGet();
    doneWith.incrementAndGet();
    counters.dropped.increment();
    counters.queuedBytes.addAndGet(-e.sizeHint);
    e.generation.leave();
    e.tracker.dropped(reason);
  }
}
