package org.eventrelayer.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an event final: delivered, dead-lettered or dropped. Tells its trackers (and the coalesced followers),
 * counts it, hands dead letters to the handler, and leaves its flush generation last, so that whoever sees a flush
 * return finds every delivery future complete. Called by the worker (and by callers dropping what the stopped
 * worker can no longer take).
 */
final class Verdicts {

  private static final Logger log = LoggerFactory.getLogger(Verdicts.class);

  private final EngineContext ctx;
  private final DeadLetterHandler deadLetters;
  private final Spool spool;

  Verdicts(EngineContext ctx, DeadLetterHandler deadLetters, Spool spool) {
    this.ctx = ctx;
    this.deadLetters = deadLetters;
    this.spool = spool;
  }

  void delivered(Entry e) {
    ctx.counters.delivered.increment();
    e.tracker.delivered();
    e.followersDelivered();
    finish(e);
  }

  void deadLetter(Entry e, String json, String reason, int attempts) {
    ctx.counters.deadLettered.increment();
    ctx.counters.recordError(reason);
    try {
      deadLetters.handle(new DeadLetter(ctx.name, e.stream, json, reason, attempts));
    } catch (RuntimeException ex) {
      ctx.rateLimited.warn("dead-letter-handler", "eventrelayer service '{}': dead-letter handler failed: {}",
          ctx.name, ex.toString());
    }
    e.tracker.deadLettered(reason);
    e.followersDeadLettered(reason);
    finish(e);
  }

  /** Dead-letters an event that could never be built or sent (it was counted queued until now). */
  void unsendable(Entry e) {
    ctx.counters.queued.decrementAndGet();
    deadLetter(e, e.failureJson, e.failure, 0);
  }

  void drop(Entry e, String reason) {
    ctx.counters.dropped.increment();
    e.tracker.dropped(reason);
    e.followersDropped(reason);
    finish(e);
  }

  /** Drops an event that was waiting (counted queued): the service closed before it could be sent. */
  void dropWaiting(Entry e, String reason) {
    ctx.counters.queued.decrementAndGet();
    drop(e, reason);
  }

  /** Drops every event still in the memory queue, telling coalesced followers too. */
  void dropQueued(String reason) {
    QueueItem item;
    int n = 0;
    while ((item = ctx.queue.poll()) != null) {
      Entry e = (Entry) item;
      e.take(); // no event may follow it any more: its followers are told below
      dropWaiting(e, reason);
      n++;
    }
    if (n > 0) {
      log.warn("eventrelayer service '{}': dropped {} queued event(s): {}", ctx.name, n, reason);
    }
  }

  private void finish(Entry e) {
    ctx.counters.queuedBytes.addAndGet(-e.sizeHint);
    spool.finished(e);
    e.generation.leave();
  }
}
