package org.eventrelayer.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.spi.PendingEvent;

/**
 * The caller's side of memory mode: checks an offered event against the bounds and queues it, or lets it join an
 * equal purge still waiting ({@code coalesce}). Lock-free and never blocking: room in the event and byte bounds is
 * reserved with atomic counters. Made for sharing among caller threads; the worker calls {@link #taken}.
 */
final class Admission {

  private final EngineContext ctx;
  private final Verdicts verdicts;
  private final Supplier<String> breakerState;
  private final Refusal queueFullByEvents;
  private final Refusal queueFullByBytes;
  /** Purges still waiting in the queue, by coalescing key: an equal purge offered meanwhile follows them. */
  private final ConcurrentHashMap<String, Entry> waitingByKey = new ConcurrentHashMap<>();

  Admission(EngineContext ctx, Verdicts verdicts, Supplier<String> breakerState) {
    this.ctx = ctx;
    this.verdicts = verdicts;
    this.breakerState = breakerState;
    this.queueFullByEvents = new Refusal(0, RefusalReason.QUEUE_FULL,
        "queue of event service '" + ctx.name + "' is full (" + ctx.settings.queueCapacity + " events)");
    this.queueFullByBytes = new Refusal(0, RefusalReason.QUEUE_FULL,
        "queue of event service '" + ctx.name + "' is full (" + ctx.settings.queueBytes + " bytes)");
  }

  /** The refusal every mode shares (closed, too large), counted; {@code null} if the event may go on. */
  Refusal precheck(PendingEvent event) {
    if (ctx.closing) {
      ctx.counters.refused.increment();
      return new Refusal(0, RefusalReason.CLOSED, "event service '" + ctx.name + "' is closed");
    }
    int size = event.sizeHint();
    if (size + 2L > ctx.settings.maxBatchBytes) {
      ctx.counters.refused.increment();
      return new Refusal(0, RefusalReason.EVENT_TOO_LARGE, "event of about " + size
          + " bytes can never fit a batch of at most " + ctx.settings.maxBatchBytes + " bytes (service '"
          + ctx.name + "')");
    }
    return null;
  }

  /** Queues the event in memory (or joins an equal waiting purge); {@code null} if accepted. */
  Refusal enqueue(PendingEvent event, int size) {
    ServiceCounters c = ctx.counters;
    String key = ctx.settings.coalesce ? event.coalesceKey() : null;
    if (key != null) {
      Entry waiting = waitingByKey.get(key);
      if (waiting != null && waiting.follow(event.tracker())) {
        c.accepted.increment();
        c.coalesced.increment();
        return null;
      }
    }
    // The bound covers what is in flight too, so events coming back for a retry never take the queue past it.
    if (c.queued.incrementAndGet() + c.inFlight() > ctx.settings.queueCapacity) {
      c.queued.decrementAndGet();
      return queueFull(queueFullByEvents);
    }
    if (c.queuedBytes.addAndGet(size) > ctx.settings.queueBytes) {
      c.queuedBytes.addAndGet(-size);
      c.queued.decrementAndGet();
      return queueFull(queueFullByBytes);
    }
    Generation gen = ctx.generation();
    gen.enter();
    c.accepted.increment();
    Entry entry = new Entry(event, size, gen, ctx.clock.nanoTime(), 0);
    if (key != null) {
      entry.coalesceKey = key;
      waitingByKey.put(key, entry);
    }
    ctx.queue.add(entry);
    ctx.wakeIfIdle();
    if (ctx.terminated) {
      verdicts.dropQueued("service closed");
    }
    return null;
  }

  /** Worker: {@code e} left the queue, so no equal purge may follow it any more. */
  void taken(Entry e) {
    if (e.coalesceKey != null) {
      e.take();
      waitingByKey.remove(e.coalesceKey, e);
    }
  }

  /** Counts and returns a queue-full refusal; the refusal is shared, so a flood of them allocates nothing. */
  private Refusal queueFull(Refusal refusal) {
    ctx.counters.refused.increment();
    ctx.rateLimited.warn("queue-full", "eventrelayer service '{}': {}, refusing events (overflow: {}); "
        + "breaker {}, last error: {}", ctx.name, refusal.detail(), ctx.settings.overflow, breakerState.get(),
        ctx.counters.lastError());
    return refusal;
  }
}
