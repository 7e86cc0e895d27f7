package org.eventrelayer.core;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eventrelayer.spi.SendListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's loop ({@code eventrelayer-<service>-worker}): assembles batches from the events due for a retry and
 * the queue, sends them through the transport (up to {@link Transport#maxInFlightBatches()} at once while all goes
 * well), and turns each answer into the events' outcomes. Everything here is worker-confined except
 * {@link #oldestWaitingNanos()} and {@link #interruptUnlessExiting}.
 *
 * <p>No head-of-line blocking: an event that must be retried goes to the {@link RetrySchedule} with its own next
 * attempt time, and the loop keeps assembling new batches meanwhile; the waiting event joins the first batch
 * assembled after it is due. Only a {@code Retry-After} from the destination, an open breaker or the rate limit
 * hold every send. An event whose outcome is {@link SendResult.Outcome#UNKNOWN} (the answer could not be read or
 * matched) is resent at once, not counted as an attempt, in a batch at most half the size of the one it was in, so
 * that each unreadable answer costs at most one resend per event and narrows the batch down until the answers can
 * be read (a lone event with an unknown outcome is retried as a normal failure).
 *
 * <p>With several batches in flight, each answer is taken as soon as it is in when the transport's flights say so
 * ({@link Transport.Flight#whenDone}): a slow answer holds only its own slot. Ordering is therefore per event: a
 * batch may be settled, and an event retried, after batches begun later.
 */
final class SendLoop {

  private static final Logger log = LoggerFactory.getLogger(SendLoop.class);
  private static final long BREAKER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long CLOSING_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final EngineContext ctx;
  private final EngineSettings settings;
  private final ServiceCounters counters;
  private final EngineClock clock;
  private final Transport transport;
  private final BreakerPolicy policy;
  private final EventBuilder builder;
  private final Verdicts verdicts;
  private final Admission admission;
  private final Spool spool;
  private final RetrySchedule schedule = new RetrySchedule();
  private final List<SendListener> listeners = new CopyOnWriteArrayList<>();
  private final int maxInFlight;

  private final ArrayDeque<InFlight> flights = new ArrayDeque<>(); // batches begun, oldest first
  private List<Entry> pending = new ArrayList<>(); // a batch being assembled, or waiting to be sent
  private Entry carry; // taken, did not fit the last batch
  private long notBeforeNanos; // Retry-After: no send before this
  private long nextSendNanos; // rate limit
  private volatile long pendingOldestNanos = RetrySchedule.NONE;

  private final Object interruptLock = new Object();
  private boolean exiting; // guarded by interruptLock

  SendLoop(EngineContext ctx, Transport transport, BreakerPolicy policy, EventBuilder builder, Verdicts verdicts,
      Admission admission, Spool spool) {
    this.ctx = ctx;
    this.settings = ctx.settings;
    this.counters = ctx.counters;
    this.clock = ctx.clock;
    this.transport = transport;
    this.policy = policy;
    this.builder = builder;
    this.verdicts = verdicts;
    this.admission = admission;
    this.spool = spool;
    this.maxInFlight = Math.max(1, transport.maxInFlightBatches());
  }

  List<SendListener> listeners() {
    return listeners;
  }

  /** When the oldest event held by the worker but not in flight was accepted, or {@link RetrySchedule#NONE}. */
  long oldestWaitingNanos() {
    return Math.min(schedule.oldestAcceptedNanos(), pendingOldestNanos);
  }

  /** close(), past its deadline: interrupts the worker unless it is already on its way out. */
  void interruptUnlessExiting(Thread worker) {
    synchronized (interruptLock) {
      if (!exiting) {
        worker.interrupt();
      }
    }
  }

  /** The worker thread's body. */
  void run() {
    try {
      while (!ctx.stopNow) {
        try {
          if (!step()) {
            break;
          }
        } catch (Throwable e) {
          // Never let the worker die: a dead worker would strand every queued event.
          ctx.rateLimited.error("worker-error", "eventrelayer service '{}': unexpected error in the worker; "
              + "continuing", ctx.name, e);
          counters.recordError("internal error: " + e);
          park(BREAKER_POLL_NANOS);
        }
      }
    } finally {
      exit();
    }
  }

  private void exit() {
    ctx.terminated = true;
    // Take the answers of the batches still in flight (a close() past its deadline cancelled them), so each of
    // their events ends counted as what it is.
    while (!flights.isEmpty()) {
      try {
        complete(flights.pollFirst());
      } catch (RuntimeException e) {
        log.warn("eventrelayer service '{}': error completing a batch at close: {}", ctx.name, e.toString());
      }
    }
    List<Entry> left = new ArrayList<>(pending);
    pending = new ArrayList<>();
    if (carry != null) {
      left.add(carry);
      carry = null;
    }
    left.addAll(schedule.drain());
    pendingOldestNanos = RetrySchedule.NONE;
    // A close() past its deadline may have interrupted us: clear it, and accept no more interrupts, so the spool's
    // files (interruptible channels) and the transport close cleanly.
    synchronized (interruptLock) {
      exiting = true;
    }
    Thread.interrupted();
    spool.leave(left, verdicts);
    try {
      transport.close();
    } catch (RuntimeException e) {
      log.warn("eventrelayer service '{}': error closing transport: {}", ctx.name, e.toString());
    }
  }

  /** One unit of work. Returns false when the worker should exit. */
  private boolean step() throws IOException {
    InFlight answered = firstAnswered();
    if (answered != null) {
      // First the answers already in: each frees its slot and settles its events, whatever the older flights do.
      flights.remove(answered);
      complete(answered);
      return true;
    }
    long now = clock.nanoTime();
    if (!flights.isEmpty() && !mayLaunchAnother(now)) {
      if (flights.size() >= maxInFlight && pending.isEmpty() && policy.isClosed()
          && notBeforeNanos - now <= 0 && !ctx.closing && (carry != null || !ctx.queue.isEmpty())) {
        // Every slot is taken (one, or several) while all goes well: build the next batch while the answers
        // travel, so that it leaves as soon as a slot is free instead of after its building. (An answer already
        // in was taken above, so a synchronous transport never gets here.)
        assemble(now);
        spool.checkpoint();
      }
      awaitAnswer(false);
      return true;
    }
    if (pending.isEmpty()) {
      boolean retriesDue = schedule.hasDue(now);
      boolean queueFull = schedule.size() >= settings.queueCapacity; // see take()
      if (!retriesDue && carry == null && (ctx.queue.isEmpty() || queueFull)) {
        if (!flights.isEmpty()) {
          // Nothing more to begin: take the answers. With a slot free, wait as idle, so that an offer wakes the
          // worker too and its events leave at once rather than after the slowest answer.
          awaitAnswer(flights.size() < maxInFlight && !queueFull);
          return true;
        }
        if (ctx.closing && ((schedule.isEmpty() && ctx.queue.isEmpty() && spool.drained())
            || spool.mayLeaveRest())) {
          return false;
        }
        spool.checkpoint(); // syncs a checkpoint written less than a second before the queue ran dry
        long wait = Math.min(ctx.closing ? CLOSING_POLL_NANOS : IDLE_PARK_NANOS, schedule.nanosUntilDue(now));
        if (queueFull) {
          park(wait); // the queue has events, but none may be taken before a retry leaves the schedule
        } else {
          idle(wait);
        }
        return true;
      }
      if (notBeforeNanos - now > 0) {
        // The destination asked for a pause (Retry-After): assemble when it is over, with the newest events.
        if (spool.mayLeaveRest()) {
          return false;
        }
        park(notBeforeNanos - now);
        return true;
      }
      if (!retriesDue && !ctx.closing && flights.isEmpty() && lingering(now)) {
        return true;
      }
      assemble(now);
      spool.checkpoint();
      if (pending.isEmpty()) {
        return true;
      }
    }
    long wait = notBeforeNanos - now;
    if (wait > 0) {
      if (spool.mayLeaveRest()) {
        return false; // everything left is durable: stop waiting for the endpoint
      }
      park(wait);
      return true;
    }
    if (settings.rateLimit > 0) {
      long early = nextSendNanos - now;
      if (early > 0) {
        park(early);
        return true;
      }
    }
    if (!policy.tryAcquire()) {
      if (spool.mayLeaveRest()) {
        return false;
      }
      park(BREAKER_POLL_NANOS);
      return true;
    }
    if (settings.rateLimit > 0) {
      long cost = (long) (pending.size() * 1e9 / settings.rateLimit);
      nextSendNanos = Math.max(nextSendNanos, now) + cost;
    }
    launch(now);
    return true;
  }

  /** Whether another batch may be begun while some are in flight: only while all goes well. */
  private boolean mayLaunchAnother(long now) {
    return flights.size() < maxInFlight && !ctx.stopNow && notBeforeNanos - now <= 0
        && (settings.rateLimit <= 0 || nextSendNanos - now <= 0) && policy.isClosed();
  }

  /** Parks (returning true) while the oldest event is younger than linger and the batch is not yet full. */
  private boolean lingering(long now) {
    if (carry != null || counters.queued.get() - schedule.size() >= settings.maxBatchEvents) { // a full batch waits
      return false;
    }
    QueueItem head = ctx.queue.peek();
    if (!(head instanceof Entry first)) {
      return false; // empty, or records on disk: send them at once
    }
    long wait = first.acceptedNanos + settings.linger.toNanos() - now;
    if (wait <= 0) {
      return false;
    }
    park(wait);
    return true;
  }

  /**
   * Takes events into {@code pending}, due retries first, then the queue, building and serializing them, within
   * the batch bounds and the smallest {@link Entry#maxBatch} among them.
   */
  private void assemble(long now) throws IOException {
    long bytes = 2; // [ and ]
    int cap = settings.maxBatchEvents;
    long oldest = RetrySchedule.NONE;
    while (pending.size() < cap) {
      Entry e = take(now);
      if (e == null) {
        break;
      }
      int capWith = Math.min(cap, e.maxBatch);
      long add = e.event.json().length + (pending.isEmpty() ? 0 : 1);
      if (!pending.isEmpty() && (bytes + add > settings.maxBatchBytes || pending.size() >= capWith)) {
        carry = e;
        oldest = Math.min(oldest, e.acceptedNanos);
        break;
      }
      cap = capWith;
      bytes += add;
      pending.add(e);
      oldest = Math.min(oldest, e.acceptedNanos);
    }
    pendingOldestNanos = oldest;
  }

  /** The next event for a batch: the carried one, a due retry, or the next of the queue; {@code null} if none. */
  private Entry take(long now) throws IOException {
    while (true) {
      if (carry != null) {
        Entry e = carry;
        carry = null;
        return e;
      }
      Entry due = schedule.pollDue(now);
      if (due != null) {
        return due;
      }
      if (schedule.size() >= settings.queueCapacity) {
        return null; // events waiting for a retry fill the memory bound: read no more (the spool keeps them)
      }
      QueueItem item = ctx.queue.peek();
      if (item == null) {
        return null;
      }
      Entry e;
      if (item instanceof SpoolRun run) {
        e = spool.read(run);
        if (e == null) {
          continue; // the run is exhausted and was removed
        }
      } else {
        ctx.queue.poll();
        e = (Entry) item;
        admission.taken(e);
      }
      if (!builder.ensureBuilt(e)) {
        verdicts.unsendable(e);
        continue;
      }
      spool.consumed(e);
      return e;
    }
  }

  /** Begins sending {@code pending} as one batch; it is in flight until {@link #complete} takes its answer. */
  private void launch(long now) {
    List<Entry> entries = pending;
    pending = new ArrayList<>();
    pendingOldestNanos = carry == null ? RetrySchedule.NONE : carry.acceptedNanos;
    List<BatchEvent> events = new ArrayList<>(entries.size());
    long bytes = 1 + entries.size();
    int attempt = 0;
    for (Entry e : entries) {
      e.flying = true;
      events.add(e.event);
      bytes += e.event.json().length;
      attempt = Math.max(attempt, e.attempts + 1);
    }
    Batch batch = new Batch(events, bytes, attempt);
    counters.inFlight(counters.inFlight() + entries.size()); // first, so offer() never sees them in neither count
    counters.queued.addAndGet(-entries.size());
    InFlight flight = new InFlight(entries, batch, now, ctx);
    try {
      flight.handle = transport.begin(batch);
      flight.signals = flight.handle != null && flight.handle.whenDone(flight::answered);
    } catch (Throwable ex) { // includes InterruptedException: complete() reports it
      flight.beginFailure = ex;
      flight.answered = true;
    }
    flights.addLast(flight);
  }

  /** The oldest flight whose answer is in (it said so, or its begin failed), or {@code null}. */
  private InFlight firstAnswered() {
    for (InFlight f : flights) {
      if (f.answered) {
        return f;
      }
    }
    return null;
  }

  /**
   * Takes the next answer: waits for the oldest flight if it cannot tell when it is done, or else parks until a
   * flight's {@link Transport.Flight#whenDone} signal (or close()) wakes the worker; the next step takes it.
   */
  private void awaitAnswer(boolean wakeOnOffer) {
    InFlight oldest = flights.peekFirst();
    if (!oldest.signals) {
      complete(flights.pollFirst());
    } else if (firstAnswered() == null) {
      if (wakeOnOffer) {
        idle(IDLE_PARK_NANOS); // an answer wakes the worker as well (Flight.whenDone)
      } else {
        park(IDLE_PARK_NANOS);
      }
    }
  }

  /** Takes the answer of {@code flight}, no longer in {@link #flights}, and turns it into each event's outcome. */
  private void complete(InFlight flight) {
    List<Entry> entries = flight.entries;
    int n = entries.size();
    SendResult result;
    Throwable failure = flight.beginFailure;
    try {
      if (failure != null) {
        throw failure;
      }
      result = flight.handle.await();
      if (result == null) {
        throw new IllegalStateException("transport returned no result");
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      failure = ex;
      result = SendResult.retryAll("interrupted: service closing");
    } catch (Throwable ex) { // a transport bug must not kill the worker and strand the queue
      failure = ex;
      result = SendResult.retryAll(describe(ex));
    }
    long now = clock.nanoTime();
    long took = now - flight.started;
    counters.batches.increment();
    policy.onAnswer(failure, result, took);
    int unknown = result.count(SendResult.Outcome.UNKNOWN, n);
    if (!listeners.isEmpty()) {
      tellListeners(flight.batch, took, listenerOutcome(failure, result, n, unknown));
    }
    if (result.retryAfter() != null && result.intakeFailure()) {
      long until = now + policy.backoffNanos(1, result.retryAfter());
      notBeforeNanos = Math.max(notBeforeNanos, until);
    }

    Duration retryAfter = result.retryAfter();
    Map<Integer, Long> delayByAttempts = new HashMap<>(); // events failing together retry together
    int retried = 0;
    int flying = counters.inFlight();
    String firstReason = null;
    for (int i = 0; i < n; i++) {
      Entry e = entries.get(i);
      e.flying = false;
      SendResult.Outcome outcome = result.outcome(i);
      if (outcome == SendResult.Outcome.UNKNOWN && unknown == 1) {
        outcome = SendResult.Outcome.RETRY; // alone, an unreadable answer is an ordinary failure
      }
      if (outcome != SendResult.Outcome.UNKNOWN) {
        e.attempts++;
      }
      boolean tooOld = !settings.retryMaxAge.isZero() && now - e.acceptedNanos > settings.retryMaxAge.toNanos();
      boolean again = outcome == SendResult.Outcome.UNKNOWN
          || (outcome == SendResult.Outcome.RETRY && e.attempts < settings.retryMaxAttempts && !tooOld);
      // Leave "in flight" before becoming final, so that whoever sees the final state sees the counter too.
      if (again) {
        counters.queued.incrementAndGet();
      }
      counters.inFlight(--flying);
      switch (outcome) {
        case DELIVERED -> verdicts.delivered(e);
        case INVALID -> verdicts.deadLetter(e, e.event.jsonString(), "invalid: " + result.reason(i), e.attempts);
        case UNKNOWN -> {
          e.maxBatch = Math.min(e.maxBatch, (unknown + 1) / 2);
          schedule.add(e, now);
          retried++;
          firstReason = firstReason == null ? result.reason(i) : firstReason;
        }
        case RETRY -> {
          if (again) {
            long delay = delayByAttempts.computeIfAbsent(e.attempts,
                a -> policy.backoffNanos(a, retryAfter));
            schedule.add(e, now + delay);
            retried++;
            firstReason = firstReason == null ? result.reason(i) : firstReason;
          } else {
            verdicts.deadLetter(e, e.event.jsonString(), "retries exhausted after " + e.attempts + " attempt(s)"
                + (tooOld ? " and " + settings.retryMaxAge + " (retry.maxAge)" : "") + ": " + result.reason(i),
                e.attempts);
          }
        }
      }
    }
    spool.checkpoint();
    if (retried > 0) {
      counters.retries.add(retried);
      counters.recordError(firstReason);
      if (!ctx.stopNow) {
        ctx.rateLimited.warn("send-failed", "eventrelayer service '{}': {} of {} event(s) not delivered, sent again "
            + "on their own schedule: {}", ctx.name, retried, n, firstReason);
      }
    }
  }

  /**
   * FAILURE: the exchange failed, or the answer took nothing and asks for retries; PARTIAL: some events must be
   * sent again, others were taken (or may have been); SUCCESS: nothing is sent again.
   */
  private static SendListener.Outcome listenerOutcome(Throwable failure, SendResult r, int n, int unknown) {
    if (failure != null || r.intakeFailure()) {
      return SendListener.Outcome.FAILURE;
    }
    int retry = r.count(SendResult.Outcome.RETRY, n);
    if (retry + unknown == 0) {
      return SendListener.Outcome.SUCCESS;
    }
    if (retry > 0 && unknown == 0 && r.count(SendResult.Outcome.DELIVERED, n) == 0) {
      return SendListener.Outcome.FAILURE;
    }
    return SendListener.Outcome.PARTIAL;
  }

  private void tellListeners(Batch batch, long took, SendListener.Outcome outcome) {
    SendListener.SendInfo info = new SendListener.SendInfo(ctx.name, ctx.type, batch.size(), batch.jsonArrayBytes(),
        batch.attempt(), took, outcome);
    for (SendListener l : listeners) {
      try {
        l.onSend(info);
      } catch (RuntimeException e) {
        ctx.rateLimited.warn("send-listener", "eventrelayer service '{}': a send listener failed: {}", ctx.name,
            e.toString());
      }
    }
  }

  private static String describe(Throwable t) {
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }

  private void idle(long nanos) {
    ctx.workerIdle(true);
    try {
      if (ctx.queue.isEmpty()) {
        clock.parkNanos(this, Math.max(1, nanos));
      }
    } finally {
      ctx.workerIdle(false);
    }
  }

  private void park(long nanos) {
    if (!ctx.stopNow) {
      clock.parkNanos(this, Math.min(nanos, IDLE_PARK_NANOS));
    }
  }

  /** A batch begun and not yet completed. */
  private static final class InFlight {
    final List<Entry> entries;
    final Batch batch;
    final long started;
    private final EngineContext ctx;
    private final Thread worker;
    Transport.Flight handle;
    Throwable beginFailure;
    boolean signals; // the handle runs answered() once its answer is in
    volatile boolean answered;

    InFlight(List<Entry> entries, Batch batch, long started, EngineContext ctx) {
      this.entries = entries;
      this.batch = batch;
      this.started = started;
      this.ctx = ctx;
      this.worker = Thread.currentThread();
    }

    /** Run by the transport, on any thread, once the answer is in: marks it and wakes the worker if it waits. */
    void answered() {
      answered = true;
      if (Thread.currentThread() != worker) {
        ctx.wake();
      }
    }
  }
}
