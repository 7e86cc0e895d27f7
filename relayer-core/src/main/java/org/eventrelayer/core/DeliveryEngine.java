package org.eventrelayer.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.ConfigException;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;
import org.eventrelayer.spi.ServiceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery engine every transport shares: a bounded queue, one named daemon worker that builds, serializes
 * and batches events, retries with backoff, a circuit breaker, dead-lettering, stats, flush and close. A transport
 * only turns a batch into a request and the answer into per-event outcomes ({@link Transport}).
 *
 * <p>The caller's side ({@link #offer}) is lock-free and never blocks: it reserves room in the queue's event and
 * byte bounds with atomic counters and appends to a lock-free queue, or refuses with a reason.
 */
public final class DeliveryEngine implements EventService {

  private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long BREAKER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final String name;
  private final String type;
  private final EngineSettings settings;
  private final Transport transport;
  private final CircuitBreaker breaker;
  private final IntervalBiFunction<SendResult> backoff;
  private final DeadLetterHandler deadLetters;
  private final RateLimitedLogger rateLimited;
  private final Thread worker;

  private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queuedEvents = new AtomicInteger(); // in the queue, in `pending` or `carry`
  private final AtomicLong heldBytes = new AtomicLong(); // estimate, accepted and not yet final
  private volatile int inFlight;
  private volatile Generation generation = new Generation(null);

  private final LongAdder accepted = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private volatile String lastError;
  private volatile Instant lastErrorAt;

  private volatile boolean workerIdle;
  private volatile boolean closing;
  private volatile boolean stopNow;
  private volatile boolean terminated;
  private final Object closeLock = new Object();
  private volatile Boolean closeResult;

  // Worker-confined state.
  private List<Entry> pending = new ArrayList<>(); // a batch waiting to be (re)sent
  private Entry carry; // built, did not fit the last batch
  private long notBeforeNanos;

  private DeliveryEngine(String name, String type, EngineSettings settings, Transport transport,
      DeadLetterHandler deadLetters) {
    this.name = name;
    this.type = type;
    this.settings = settings;
    this.transport = transport;
    this.deadLetters = deadLetters;
    this.rateLimited = new RateLimitedLogger(log, Duration.ofSeconds(30));
    this.breaker = CircuitBreaker.of("eventrelayer-" + name, breakerConfig(settings));
    this.breaker.getEventPublisher().onStateTransition(e -> {
      switch (e.getStateTransition().getToState()) {
        case OPEN -> log.warn("eventrelayer service '{}': circuit breaker OPEN ({}); events wait in the queue. "
            + "Last error: {}", name, e.getStateTransition(), lastError);
        case CLOSED -> log.info("eventrelayer service '{}': circuit breaker CLOSED ({}); delivering again",
            name, e.getStateTransition());
        default -> log.info("eventrelayer service '{}': circuit breaker {}", name, e.getStateTransition());
      }
    });
    IntervalFunction exponential = IntervalFunction.ofExponentialRandomBackoff(
        settings.retryInitialBackoff, settings.retryMultiplier, 0.5, settings.retryMaxBackoff);
    RetryConfig retryConfig = RetryConfig.<SendResult>custom()
        .maxAttempts(settings.retryMaxAttempts)
        .intervalBiFunction((Integer attempt, Either<Throwable, SendResult> outcome) -> {
          long millis = exponential.apply(attempt);
          if (outcome.isRight() && outcome.get().retryAfter() != null) {
            millis = Math.max(millis, Math.min(outcome.get().retryAfter().toMillis(), Duration.ofHours(1).toMillis()));
          }
          return millis;
        })
        .build();
    this.backoff = retryConfig.getIntervalBiFunction();
    this.worker = new Thread(this::runWorker, "eventrelayer-" + name + "-worker");
    this.worker.setDaemon(true);
  }

  /**
   * Builds and starts the engine of one event service: reads the engine's keys from {@code context.config()}
   * ({@code queueCapacity}, {@code queueBytes}, {@code maxBatchEvents}, {@code maxBatchBytes}, {@code linger},
   * {@code overflow}, {@code retry.*}, {@code breaker.*}, {@code deadLetterHandler}),
   * checks every stream routed to the service against the transport, and starts the worker thread.
   *
   * @param context the service's name, config and streams
   * @param type the provider name, for stats and logs
   * @param transport the transport; the engine owns it from now on and closes it
   * @return the running service
   * @throws ConfigException if a key is wrong
   */
  public static EventService start(ServiceContext context, String type, Transport transport) {
    Objects.requireNonNull(transport, "transport");
    EngineSettings settings;
    DeadLetterHandler handler;
    try {
      settings = new EngineSettings(context.config());
      handler = deadLetterHandler(context.config(), settings.deadLetterHandlerClass);
      for (String stream : context.streams().keySet()) {
        try {
          transport.checkStream(stream);
        } catch (IllegalArgumentException e) {
          throw new ConfigException("streams." + stream, e.getMessage(), e);
        }
      }
    } catch (RuntimeException e) {
      transport.close();
      throw e;
    }
    DeliveryEngine engine = new DeliveryEngine(context.name(), type, settings, transport, handler);
    engine.worker.start();
    return engine;
  }

  private static CircuitBreakerConfig breakerConfig(EngineSettings s) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(s.breakerSlidingWindowSize)
        .minimumNumberOfCalls(s.breakerMinimumNumberOfCalls)
        .failureRateThreshold(s.breakerFailureRateThreshold)
        .permittedNumberOfCallsInHalfOpenState(s.breakerPermittedCallsInHalfOpenState)
        .waitIntervalFunctionInOpenState(
            IntervalFunction.ofExponentialBackoff(s.breakerWaitInOpenState, 2.0, s.breakerMaxWaitInOpenState))
        .recordException(t -> true)
        .build();
  }

  private static DeadLetterHandler deadLetterHandler(Config config, String className) {
    if (className == null) {
      return new LoggingDeadLetterHandler();
    }
    try {
      Class<?> c = Class.forName(className, true, Thread.currentThread().getContextClassLoader() != null
          ? Thread.currentThread().getContextClassLoader() : DeliveryEngine.class.getClassLoader());
      if (!DeadLetterHandler.class.isAssignableFrom(c)) {
        throw config.error("deadLetterHandler", className + " does not implement " + DeadLetterHandler.class.getName());
      }
      return (DeadLetterHandler) c.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new ConfigException(config.fullKey("deadLetterHandler"),
          "cannot instantiate " + className + " (a public class with a public no-argument constructor is needed): "
              + e, e);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return type;
  }

  @Override
  public void checkStream(String stream) {
    transport.checkStream(stream);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Caller side: never blocks, never waits on the network.

  @Override
  public Refusal offer(PendingEvent event) {
    if (closing) {
      refused.increment();
      return new Refusal(0, RefusalReason.CLOSED, "event service '" + name + "' is closed");
    }
    int size = event.sizeHint();
    if (size + 2L > settings.maxBatchBytes) {
      refused.increment();
      return new Refusal(0, RefusalReason.EVENT_TOO_LARGE, "event of about " + size
          + " bytes can never fit a batch of at most " + settings.maxBatchBytes + " bytes (service '" + name + "')");
    }
    if (queuedEvents.incrementAndGet() > settings.queueCapacity) {
      queuedEvents.decrementAndGet();
      return queueFull("" + settings.queueCapacity + " events");
    }
    if (heldBytes.addAndGet(size) > settings.queueBytes) {
      heldBytes.addAndGet(-size);
      queuedEvents.decrementAndGet();
      return queueFull(settings.queueBytes + " bytes");
    }
    Generation gen = generation;
    gen.enter();
    accepted.increment();
    queue.add(new Entry(event, size, gen, System.nanoTime()));
    if (workerIdle) {
      LockSupport.unpark(worker);
    }
    if (terminated) {
      dropLeftovers("service closed");
    }
    return null;
  }

  private Refusal queueFull(String bound) {
    refused.increment();
    rateLimited.warn("queue-full", "eventrelayer service '{}': queue full ({}), refusing events (overflow: {}); "
        + "breaker {}, last error: {}", name, bound, settings.overflow, breaker.getState(), lastError);
    return new Refusal(0, RefusalReason.QUEUE_FULL, "queue of event service '" + name + "' is full (" + bound + ")");
  }

  // ---------------------------------------------------------------------------------------------------------
  // Flush and close.

  @Override
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Generation sealed;
    synchronized (this) {
      sealed = generation;
      generation = new Generation(sealed);
    }
    sealed.leave(); // remove the seal
    LockSupport.unpark(worker);
    for (Generation g = sealed; g != null; g = g.previous()) {
      if (!g.await(deadline)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean close(Duration timeout) {
    synchronized (closeLock) {
      if (closeResult != null) {
        return closeResult;
      }
      long start = System.nanoTime();
      long budget = timeout.toNanos();
      closing = true;
      LockSupport.unpark(worker);
      // Drain gracefully for most of the budget; keep the rest to abort a send stuck on a hung endpoint.
      long grace = Math.min(TimeUnit.SECONDS.toNanos(1), budget / 5);
      boolean drained = join(start + budget - grace);
      if (!drained) {
        stopNow = true;
        transport.cancel();
        worker.interrupt();
        LockSupport.unpark(worker);
        join(start + budget);
      }
      boolean clean = drained && dropped.sum() == 0;
      if (worker.isAlive()) {
        log.warn("eventrelayer service '{}': worker still busy after close deadline of {}; it will exit as soon as "
            + "its transport call returns", name, timeout);
      }
      log.info("eventrelayer service '{}' closed: {}", name, stats());
      closeResult = clean;
      return clean;
    }
  }

  private boolean join(long deadlineNanos) {
    long remaining = deadlineNanos - System.nanoTime();
    try {
      if (remaining > 0) {
        worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !worker.isAlive();
  }

  // ---------------------------------------------------------------------------------------------------------
  // The worker.

  private void runWorker() {
    try {
      while (!stopNow) {
        try {
          if (!step()) {
            break;
          }
        } catch (Throwable e) {
          // Never let the worker die: a dead worker would strand every queued event.
          rateLimited.error("worker-error", "eventrelayer service '{}': unexpected error in the worker; continuing",
              name, e);
          recordError("internal error: " + e);
          parkNanos(BREAKER_POLL_NANOS);
        }
      }
    } finally {
      terminated = true;
      List<Entry> left = new ArrayList<>(pending);
      pending = new ArrayList<>();
      if (carry != null) {
        left.add(carry);
        carry = null;
      }
      for (Entry e : left) {
        queuedEvents.decrementAndGet();
        drop(e, "service closed before delivery");
      }
      dropLeftovers("service closed before delivery");
      Thread.interrupted(); // a close() past its deadline may have interrupted us; let the transport close cleanly
      try {
        transport.close();
      } catch (RuntimeException e) {
        log.warn("eventrelayer service '{}': error closing transport: {}", name, e.toString());
      }
    }
  }

  /** One unit of work. Returns false when the worker should exit. */
  private boolean step() {
    if (pending.isEmpty()) {
      if (carry == null && queue.isEmpty()) {
        if (closing) {
          return false;
        }
        idle(IDLE_PARK_NANOS);
        return true;
      }
      if (!closing && lingering()) {
        return true;
      }
      assemble();
      if (pending.isEmpty()) {
        return true;
      }
    }
    long wait = notBeforeNanos - System.nanoTime();
    if (wait > 0) {
      parkNanos(wait);
      return true;
    }
    if (!breaker.tryAcquirePermission()) {
      parkNanos(BREAKER_POLL_NANOS);
      return true;
    }
    send();
    return true;
  }

  /** Waits (returning true) while the oldest event is younger than linger and the batch is not yet full. */
  private boolean lingering() {
    if (carry != null || queuedEvents.get() >= settings.maxBatchEvents) {
      return false;
    }
    Entry first = queue.peek();
    if (first == null) {
      return false;
    }
    long wait = first.acceptedNanos + settings.linger.toNanos() - System.nanoTime();
    if (wait <= 0) {
      return false;
    }
    parkNanos(wait);
    return true;
  }

  /** Takes events from the queue into {@code pending}, building and serializing them, within the batch bounds. */
  private void assemble() {
    long bytes = 2; // [ and ]
    while (pending.size() < settings.maxBatchEvents) {
      Entry e = carry;
      if (e != null) {
        carry = null;
      } else {
        e = queue.poll();
        if (e == null) {
          break;
        }
        if (!build(e)) {
          continue;
        }
      }
      long add = e.event.json().length + (pending.isEmpty() ? 0 : 1);
      if (!pending.isEmpty() && bytes + add > settings.maxBatchBytes) {
        carry = e;
        break;
      }
      bytes += add;
      pending.add(e);
    }
  }

  /** Builds and serializes one entry; dead-letters it (returning false) if that fails or it can never fit. */
  private boolean build(Entry e) {
    if (e.event != null) {
      return true;
    }
    Map<String, Object> fields;
    byte[] json;
    try {
      fields = e.source.build();
      json = JSON.writeValueAsBytes(fields);
    } catch (Exception | StackOverflowError ex) {
      queuedEvents.decrementAndGet();
      deadLetter(e, null, "unserializable: " + ex.getClass().getSimpleName() + ": " + ex.getMessage(), 0);
      return false;
    }
    if (json.length + 2L > settings.maxBatchBytes) {
      queuedEvents.decrementAndGet();
      deadLetter(e, new String(json, java.nio.charset.StandardCharsets.UTF_8),
          "event-too-large: " + json.length + " bytes can never fit a batch of at most " + settings.maxBatchBytes,
          0);
      return false;
    }
    e.event = new BatchEvent(e.source.stream(), json, metaId(fields), fields);
    return true;
  }

  private static String metaId(Map<String, Object> fields) {
    if (fields.get("meta") instanceof Map<?, ?> meta && meta.get("id") != null) {
      return meta.get("id").toString();
    }
    return null;
  }

  private void send() {
    List<Entry> batchEntries = pending;
    pending = new ArrayList<>();
    List<BatchEvent> events = new ArrayList<>(batchEntries.size());
    long bytes = 1 + batchEntries.size();
    int attempt = 0;
    for (Entry e : batchEntries) {
      events.add(e.event);
      bytes += e.event.json().length;
      attempt = Math.max(attempt, e.attempts + 1);
    }
    Batch batch = new Batch(events, bytes, attempt);
    queuedEvents.addAndGet(-batchEntries.size());
    inFlight = batchEntries.size();
    long started = System.nanoTime();
    SendResult result;
    Throwable failure = null;
    try {
      result = transport.send(batch);
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
    long took = System.nanoTime() - started;
    batches.increment();
    if (result.hasRetries()) {
      breaker.onError(took, TimeUnit.NANOSECONDS,
          failure != null ? failure : new DeliveryFailure(result.firstReason()));
    } else {
      breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    }

    List<Entry> again = new ArrayList<>();
    long now = System.nanoTime();
    int flying = batchEntries.size();
    for (int i = 0; i < batchEntries.size(); i++) {
      Entry e = batchEntries.get(i);
      e.attempts++;
      // Leave "in flight" before becoming final, so that whoever sees the final state sees the counter too.
      SendResult.Outcome outcome = result.outcome(i);
      boolean tooOld = !settings.retryMaxAge.isZero() && now - e.acceptedNanos > settings.retryMaxAge.toNanos();
      boolean retry = outcome == SendResult.Outcome.RETRY && e.attempts < settings.retryMaxAttempts && !tooOld;
      if (retry) {
        queuedEvents.incrementAndGet();
      }
      inFlight = --flying;
      switch (outcome) {
        case DELIVERED -> {
          delivered.increment();
          finish(e);
          e.source.tracker().delivered();
        }
        case INVALID -> deadLetter(e, e.event.jsonString(), "invalid: " + result.reason(i), e.attempts);
        case RETRY -> {
          if (retry) {
            again.add(e);
          } else {
            deadLetter(e, e.event.jsonString(), "retries exhausted after " + e.attempts + " attempt(s)"
                + (tooOld ? " and " + settings.retryMaxAge + " (retry.maxAge)" : "") + ": " + result.reason(i),
                e.attempts);
          }
        }
      }
    }
    if (!again.isEmpty()) {
      retries.add(again.size());
      pending = again;
      int maxAttempt = again.stream().mapToInt(x -> x.attempts).max().orElse(1);
      long delayMillis = backoff.apply(maxAttempt, Either.right(result));
      notBeforeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
      recordError(result.firstReason());
      rateLimited.warn("send-failed", "eventrelayer service '{}': {} of {} event(s) not delivered, retrying in {} ms "
              + "(attempt {}): {}", name, again.size(), batchEntries.size(), delayMillis, maxAttempt,
          result.firstReason());
    }
  }

  private static String describe(Throwable t) {
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }

  private void recordError(String reason) {
    lastError = reason;
    lastErrorAt = Instant.now();
  }

  private void deadLetter(Entry e, String json, String reason, int attempts) {
    deadLettered.increment();
    recordError(reason);
    finish(e);
    try {
      deadLetters.handle(new DeadLetter(name, e.source.stream(), json, reason, attempts));
    } catch (RuntimeException ex) {
      rateLimited.warn("dead-letter-handler", "eventrelayer service '{}': dead-letter handler failed: {}", name,
          ex.toString());
    }
    e.source.tracker().deadLettered(reason);
  }

  private void drop(Entry e, String reason) {
    dropped.increment();
    finish(e);
    e.source.tracker().dropped(reason);
  }

  private void finish(Entry e) {
    heldBytes.addAndGet(-e.sizeHint);
    e.generation.leave();
  }

  private void dropLeftovers(String reason) {
    Entry e;
    int n = 0;
    while ((e = queue.poll()) != null) {
      queuedEvents.decrementAndGet();
      drop(e, reason);
      n++;
    }
    if (n > 0) {
      log.warn("eventrelayer service '{}': dropped {} queued event(s): {}", name, n, reason);
    }
  }

  private void idle(long nanos) {
    workerIdle = true;
    try {
      if (queue.isEmpty() && !closing) {
        LockSupport.parkNanos(this, nanos);
      }
    } finally {
      workerIdle = false;
    }
  }

  private void parkNanos(long nanos) {
    if (!stopNow) {
      LockSupport.parkNanos(this, Math.min(nanos, IDLE_PARK_NANOS));
    }
  }

  @Override
  public ServiceStats stats() {
    int flying = inFlight;
    return new ServiceStats(name, type, Math.max(0, queuedEvents.get()), Math.max(0, heldBytes.get()), flying,
        accepted.sum(), refused.sum(), delivered.sum(), deadLettered.sum(), dropped.sum(), retries.sum(),
        batches.sum(), breaker.getState().name(), lastError, lastErrorAt);
  }

  @Override
  public String toString() {
    return "DeliveryEngine{" + name + "/" + type + "}";
  }

  /** Marks a failed batch for the circuit breaker when the transport reported failures without throwing. */
  static final class DeliveryFailure extends Exception {
    DeliveryFailure(String reason) {
      super(reason, null, false, false);
    }
  }

  /** One accepted event on its way. */
  static final class Entry {
    final PendingEvent source;
    final int sizeHint;
    final Generation generation;
    final long acceptedNanos;
    BatchEvent event; // built on the worker
    int attempts;

    Entry(PendingEvent source, int sizeHint, Generation generation, long acceptedNanos) {
      this.source = source;
      this.sizeHint = sizeHint;
      this.generation = generation;
      this.acceptedNanos = acceptedNanos;
    }
  }
}
