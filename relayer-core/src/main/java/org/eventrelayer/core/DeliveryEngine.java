package org.eventrelayer.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;
import org.eventrelayer.spi.SendListener;
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
 *
 * <p><b>Spool</b> ({@code spoolDir} set, {@code overflow: spool}): {@link #offer} still does no I/O; it hands the
 * event to a second daemon thread, the spool writer ({@code eventrelayer-<service>-spool}), through a bounded
 * lock-free queue. The writer builds and serializes each event, appends it as a checksummed record to the
 * service's segment log ({@code SpoolLog}) and, with {@code spool.fsync: batch} (the default), forces each group of
 * records to the device before the worker may send them. Durable records wait for the worker in memory while the
 * memory bounds ({@code queueCapacity}, {@code queueBytes}) allow, and otherwise only on disk, from where the
 * worker reads them back in order. A checkpoint of which records are final (a watermark, plus those answered out of
 * order) is rewritten after every batch, and segments holding only final records are deleted. On start the engine
 * replays whatever the previous run left that is not final; the replayed events count as accepted.
 *
 * <p>The window of loss with the spool on: an accepted event is lost by a crash of the process ({@code kill -9})
 * only while it waits in the hand-off to the spool writer, that is, until the writer has written it (at most
 * {@code queueCapacity} events, normally one group commit: milliseconds); by a crash of the operating system or a
 * power loss, in addition, while it is written but not yet forced: with {@code spool.fsync: batch} that is the same
 * group commit, with {@code spool.fsync: interval} up to {@code spool.fsyncInterval}. {@link #awaitDurable} waits for
 * the window to close. Delivery is at-least-once: after a crash, the events that were in flight (one batch) are sent
 * again; their {@code meta.id} lets consumers drop the duplicates. {@link #close} drops nothing that is durable: it
 * stays in the spool, counted as spooled.
 */
public final class DeliveryEngine implements EventService {

  private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long BREAKER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long CLOSING_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long WRITE_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long CHECKPOINT_SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int WRITE_BATCH_EVENTS = 4096;
  private static final long WRITE_BATCH_BYTES = 4L << 20;
  /** Room reserved on disk per event beyond its size hint: the record framing and stream and id fields. */
  private static final int RECORD_OVERHEAD = 128;
  static final String LEFT_IN_SPOOL = "left in the spool at close; replayed when the service starts again";

  private final String name;
  private final String type;
  private final EngineSettings settings;
  private final Transport transport;
  private final CircuitBreaker breaker;
  private final IntervalBiFunction<SendResult> backoff;
  private final DeadLetterHandler deadLetters;
  private final RateLimitedLogger rateLimited;
  private final Thread worker;

  private final ConcurrentLinkedQueue<QueueItem> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queuedEvents = new AtomicInteger(); // waiting: hand-off, queue, `pending`, `carry`
  private final AtomicLong heldBytes = new AtomicLong(); // estimate of the queued events
  private volatile int inFlight;
  private volatile Generation generation = new Generation(null);

  private final LongAdder accepted = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final LongAdder coalesced = new LongAdder();
  private final Refusal queueFullByEvents;
  private final Refusal queueFullByBytes;
  /** Purges still waiting in the queue, by coalescing key: an equal purge offered meanwhile follows them. */
  private final ConcurrentHashMap<String, Entry> waitingByKey = new ConcurrentHashMap<>();
  private long nextSendNanos; // worker-confined: rate limit
  private final List<SendListener> sendListeners = new CopyOnWriteArrayList<>();
  private volatile String lastError;
  private volatile Instant lastErrorAt;

  private volatile boolean workerIdle;
  private volatile boolean closing;
  private volatile boolean stopNow;
  private volatile boolean terminated;
  private final Object closeLock = new Object();
  private final Object interruptLock = new Object();
  private boolean workerExiting; // guarded by interruptLock
  private volatile Boolean closeResult;

  // Worker-confined state.
  private final ArrayDeque<InFlight> flights = new ArrayDeque<>(); // batches begun, oldest first
  private final ArrayDeque<List<Entry>> retryBacklog = new ArrayDeque<>(); // failed batches waiting behind `pending`
  private final int maxInFlight;
  private List<Entry> pending = new ArrayList<>(); // a batch waiting to be (re)sent
  private Entry carry; // built, did not fit the last batch
  private long notBeforeNanos;

  // ---- Spool (all null / unused without spoolDir).
  private final SpoolLog spool;
  private final Thread spoolWriter;
  private final ConcurrentLinkedQueue<Entry> handoff = new ConcurrentLinkedQueue<>();
  private final AtomicInteger handoffEvents = new AtomicInteger();
  private final AtomicLong handoffBytes = new AtomicLong();
  private final AtomicInteger memEvents = new AtomicInteger(); // on the worker's side: queue, pending, carry, flight
  private final AtomicLong memBytes = new AtomicLong();
  private final AtomicLong spoolUsed = new AtomicLong(); // segment bytes + room reserved by the hand-off
  private final AtomicLong spooledEvents = new AtomicLong();
  private final AtomicLong corruptRegions = new AtomicLong();
  private final AtomicInteger trackedTags = new AtomicInteger();
  private final AtomicLong handedOff = new AtomicLong(); // events accepted into the hand-off, ever
  private final AtomicLong writtenOff = new AtomicLong(); // events the writer is done with, ever
  private final Object durability = new Object();
  private volatile int durabilityWaiters;
  private volatile boolean writerIdle;
  private volatile boolean writerDone;
  private volatile boolean abandonHandoff; // close() gave up waiting for the disk
  // Worker-confined spool state.
  private final ArrayDeque<Entry> outstanding = new ArrayDeque<>(); // consumed records not known final, seq order
  private long lastConsumedSeq;
  private long[] recoveredFinals = new long[0]; // final records above the watermark the last run left
  private long finalized; // spool records that became final, ever
  private long finalizedCheckpointed;
  private long checkpointSyncedAt;
  private boolean checkpointDirty;
  // Writer-confined spool state.
  private SpoolRun lastRun;

  private DeliveryEngine(String name, String type, EngineSettings settings, Transport transport,
      DeadLetterHandler deadLetters, SpoolLog spool) {
    this.name = name;
    this.type = type;
    this.settings = settings;
    this.transport = transport;
    this.deadLetters = deadLetters;
    this.spool = spool;
    this.rateLimited = new RateLimitedLogger(log, Duration.ofSeconds(30));
    this.queueFullByEvents = new Refusal(0, RefusalReason.QUEUE_FULL,
        "queue of event service '" + name + "' is full (" + settings.queueCapacity + " events)");
    this.queueFullByBytes = new Refusal(0, RefusalReason.QUEUE_FULL,
        "queue of event service '" + name + "' is full (" + settings.queueBytes + " bytes)");
    this.breaker = CircuitBreaker.of("eventrelayer-" + name, breakerConfig(settings));
    this.breaker.getEventPublisher().onStateTransition(e -> {
      switch (e.getStateTransition().getToState()) {
        case OPEN -> log.warn("eventrelayer service '{}': circuit breaker OPEN ({}); events wait in the {}. "
            + "Last error: {}", name, e.getStateTransition(), spool == null ? "queue" : "spool", lastError);
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
    this.maxInFlight = Math.max(1, transport.maxInFlightBatches());
    this.worker = new Thread(this::runWorker, "eventrelayer-" + name + "-worker");
    this.worker.setDaemon(true);
    if (spool != null) {
      this.spoolWriter = new Thread(this::runSpoolWriter, "eventrelayer-" + name + "-spool");
      this.spoolWriter.setDaemon(true);
      recoverSpool();
    } else {
      this.spoolWriter = null;
    }
  }

  /**
   * Builds and starts the engine of one event service: reads the engine's keys from {@code context.config()}
   * ({@code queueCapacity}, {@code queueBytes}, {@code maxBatchEvents}, {@code maxBatchBytes}, {@code linger},
   * {@code overflow}, {@code spoolDir}, {@code spool.*}, {@code retry.*}, {@code breaker.*},
   * {@code deadLetterHandler}), checks every stream routed to the service against the transport, opens the spool
   * (replaying what a previous run left) and starts the threads.
   *
   * @param context the service's name, config and streams
   * @param type the provider name, for stats and logs
   * @param transport the transport; the engine owns it from now on and closes it
   * @return the running service
   * @throws ConfigException if a key is wrong, or the spool directory cannot be used or is in use by another
   *     relayer (naming {@code spoolDir})
   */
  public static EventService start(ServiceContext context, String type, Transport transport) {
    return start(context, type, transport, Map.of());
  }

  /**
   * Like {@link #start(ServiceContext, String, Transport)}, with engine defaults suited to the transport (e.g.
   * {@code maxBatchEvents: 5000} for Kafka); only {@code queueCapacity} and {@code maxBatchEvents} may be given.
   */
  public static EventService start(ServiceContext context, String type, Transport transport,
      Map<String, ?> engineDefaults) {
    Objects.requireNonNull(transport, "transport");
    EngineSettings settings;
    DeadLetterHandler handler;
    SpoolLog spool = null;
    try {
      settings = new EngineSettings(context.config(), context.name(), engineDefaults);
      handler = deadLetterHandler(context.config(), settings.deadLetterHandlerClass);
      for (String stream : context.streams().keySet()) {
        try {
          transport.checkStream(stream);
        } catch (IllegalArgumentException e) {
          throw new ConfigException("streams." + stream, e.getMessage(), e);
        }
      }
      if (settings.spool()) {
        spool = openSpool(settings);
      }
    } catch (RuntimeException e) {
      transport.close();
      throw e;
    }
    DeliveryEngine engine;
    try {
      engine = new DeliveryEngine(context.name(), type, settings, transport, handler, spool);
    } catch (RuntimeException e) {
      if (spool != null) {
        spool.close();
      }
      transport.close();
      throw e;
    }
    engine.worker.start();
    if (engine.spoolWriter != null) {
      engine.spoolWriter.start();
    }
    return engine;
  }

  /**
   * Whether {@code key} of an {@code eventServices.<name>} entry is one the engine reads (so a transport that
   * passes unknown keys through, such as Kafka's producer properties, must leave it alone).
   */
  public static boolean isEngineKey(String key) {
    return EngineSettings.isEngineKey(key);
  }

  private static SpoolLog openSpool(EngineSettings settings) {
    try {
      return SpoolLog.open(settings.spoolDir, settings.spoolSegmentBytes);
    } catch (SpoolLog.LockedException e) {
      throw new ConfigException(settings.spoolDirKey, e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(settings.spoolDirKey, "cannot open the spool in " + settings.spoolDir + ": " + e, e);
    }
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

  /** Queues what the previous run left in the spool, as accepted and spooled events nobody waits on. */
  private void recoverSpool() {
    long watermark = spool.watermark();
    lastConsumedSeq = watermark - 1;
    recoveredFinals = spool.recoveredFinals();
    spoolUsed.set(spool.diskBytes());
    corruptRegions.set(spool.corruptRegions());
    long n = spool.recoveredEvents();
    if (n > 0) {
      Generation gen = generation;
      gen.enter(n);
      accepted.add(n);
      spooledEvents.addAndGet(n);
      for (SpoolLog.Pending p : spool.recovered()) {
        SpoolRun run = new SpoolRun(p.segment(), p.start(), p.end(), true);
        run.count = p.count();
        run.tags.add(new Tag(DeliveryTracker.untracked(), gen, p.count()));
        queue.add(run);
      }
      log.info("eventrelayer service '{}': replaying {} event(s) left in the spool {} by a previous run", name, n,
          spool.dir());
    }
    if (spool.corruptRegions() > 0) {
      log.warn("eventrelayer service '{}': skipped {} corrupt stretch(es) ({} bytes) in the spool {}: torn writes "
              + "of a crash or damaged records; everything intact around them is replayed", name,
          spool.corruptRegions(), spool.corruptBytes(), spool.dir());
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

  /** The part of {@link #offer}'s checks that depends on the event alone: its size against a batch's. */
  @Override
  public Refusal checkEvent(PendingEvent event) {
    int size = event.sizeHint();
    return size + 2L > settings.maxBatchBytes ? new Refusal(0, RefusalReason.EVENT_TOO_LARGE, "event of about "
        + size + " bytes can never fit a batch of at most " + settings.maxBatchBytes + " bytes (service '" + name
        + "')") : null;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Caller side: never blocks, never waits on the network, never touches the disk.

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
    if (spool != null) {
      return offerToSpool(event, size);
    }
    String key = settings.coalesce ? event.coalesceKey() : null;
    if (key != null) {
      Entry waiting = waitingByKey.get(key);
      if (waiting != null && waiting.follow(event.tracker())) {
        accepted.increment();
        coalesced.increment();
        return null;
      }
    }
    // The bound covers what is in flight too, so a batch coming back for a retry never takes the queue past it.
    if (queuedEvents.incrementAndGet() + inFlight > settings.queueCapacity) {
      queuedEvents.decrementAndGet();
      return queueFull(queueFullByEvents);
    }
    if (heldBytes.addAndGet(size) > settings.queueBytes) {
      heldBytes.addAndGet(-size);
      queuedEvents.decrementAndGet();
      return queueFull(queueFullByBytes);
    }
    Generation gen = generation;
    gen.enter();
    accepted.increment();
    Entry entry = new Entry(event, size, gen, System.nanoTime(), 0);
    if (key != null) {
      entry.coalesceKey = key;
      waitingByKey.put(key, entry);
    }
    queue.add(entry);
    if (workerIdle) {
      LockSupport.unpark(worker);
    }
    if (terminated) {
      dropLeftovers("service closed");
    }
    return null;
  }

  private Refusal offerToSpool(PendingEvent event, int size) {
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
    if (spoolUsed.addAndGet(reserve) > settings.spoolMaxBytes) {
      spoolUsed.addAndGet(-reserve);
      handoffBytes.addAndGet(-size);
      handoffEvents.decrementAndGet();
      refused.increment();
      rateLimited.warn("spool-full", "eventrelayer service '{}': spool full (spool.maxBytes {} bytes), refusing "
          + "events; breaker {}, last error: {}", name, settings.spoolMaxBytes, breaker.getState(), lastError);
      return new Refusal(0, RefusalReason.QUEUE_FULL, "spool of event service '" + name + "' is full ("
          + settings.spoolMaxBytes + " bytes, spool.maxBytes)");
    }
    Generation gen = generation;
    gen.enter();
    accepted.increment();
    queuedEvents.incrementAndGet();
    heldBytes.addAndGet(size);
    handedOff.incrementAndGet();
    handoff.add(new Entry(event, size, gen, System.nanoTime(), System.currentTimeMillis()));
    if (writerIdle) {
      LockSupport.unpark(spoolWriter);
    }
    if (writerDone) {
      dropHandoff("service closed");
    }
    return null;
  }

  private Refusal writerBehind(String bound) {
    refused.increment();
    rateLimited.warn("spool-behind", "eventrelayer service '{}': the spool writer is behind ({} wait to be "
        + "written), refusing events", name, bound);
    return new Refusal(0, RefusalReason.QUEUE_FULL, "spool writer of event service '" + name + "' is behind ("
        + bound + " wait to be written)");
  }

  /** Counts and returns a queue-full refusal; the refusal is shared, so a flood of them allocates nothing. */
  private Refusal queueFull(Refusal refusal) {
    refused.increment();
    rateLimited.warn("queue-full", "eventrelayer service '{}': {}, refusing events (overflow: {}); "
        + "breaker {}, last error: {}", name, refusal.detail(), settings.overflow, breaker.getState(), lastError);
    return refusal;
  }

  /**
   * Waits until every event accepted before this call is in the spool: written to its segment file (which a crash
   * of the process cannot undo) and, with {@code spool.fsync: batch}, forced to the device. Closes the window of
   * loss described in the class documentation for a host that needs to.
   *
   * @param timeout how long to wait at most
   * @return {@code true} if every such event is durable (or final), {@code false} if the deadline passed first or
   *     the service has no spool
   */
  @Override
  public boolean awaitDurable(Duration timeout) {
    if (spool == null) {
      return false;
    }
    long target = handedOff.get();
    if (writtenOff.get() >= target) {
      return true;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (durability) {
      durabilityWaiters++;
      try {
        while (writtenOff.get() < target) {
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

  /**
   * {@inheritDoc}
   *
   * <p>With a spool, nothing accepted is dropped: the spool writer first writes whatever waits in its hand-off, the
   * worker delivers while the endpoint answers and stops as soon as it would have to wait (backoff, open breaker) or
   * the deadline nears, and every event not final stays in the spool for the next start (counted as spooled). Only
   * if the disk itself does not answer by the deadline are events still in the hand-off dropped.
   */
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
      if (spoolWriter != null) {
        LockSupport.unpark(spoolWriter);
      }
      // Drain gracefully for most of the budget; keep the rest to abort a send stuck on a hung endpoint.
      long grace = Math.min(TimeUnit.SECONDS.toNanos(1), budget / 5);
      boolean drained = join(start + budget - grace);
      if (!drained) {
        stopNow = true;
        LockSupport.unpark(worker);
        if (spoolWriter != null) {
          LockSupport.unpark(spoolWriter);
          // Spooled events lose nothing by waiting: let a send in progress finish if it can within half the grace.
          drained = join(start + budget - grace / 2);
        }
        if (!drained) {
          transport.cancel();
          synchronized (interruptLock) {
            if (!workerExiting) {
              worker.interrupt();
            }
          }
          LockSupport.unpark(worker);
          join(start + budget);
        }
      }
      if (worker.isAlive() && spoolWriter != null) {
        abandonHandoff = true;
        LockSupport.unpark(spoolWriter);
      }
      boolean clean = drained && dropped.sum() == 0 && spooledEvents.get() == 0;
      if (worker.isAlive()) {
        log.warn("eventrelayer service '{}': worker still busy after close deadline of {}; it will exit as soon as "
            + "its transport call returns{}", name, timeout, spool == null ? "" : " and then release the spool");
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
  // The spool writer.

  private void runSpoolWriter() {
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
          if (dirty && (closing || System.nanoTime() - lastSync >= settings.fsyncInterval.toNanos())) {
            if (forceQuietly()) {
              dirty = false;
            }
            lastSync = System.nanoTime();
            continue;
          }
          if (closing) {
            break;
          }
          long park = dirty ? Math.max(1, lastSync + settings.fsyncInterval.toNanos() - System.nanoTime())
              : IDLE_PARK_NANOS;
          writerIdle = true;
          try {
            if (handoff.isEmpty() && !closing) {
              LockSupport.parkNanos(this, Math.min(park, IDLE_PARK_NANOS));
            }
          } finally {
            writerIdle = false;
          }
          continue;
        }
        records.clear();
        long seq = spool.nextSeq();
        for (Entry e : batch) {
          if (e.event == null && e.failure == null) {
            serialize(e);
          }
          if (e.event != null) {
            e.seq = seq++;
            records.add(new SpoolRecord(e.seq, e.acceptedMillis, e.stream, e.event.id(), e.event.json()));
          }
        }
        long[] starts = new long[records.size()];
        long grew;
        try {
          grew = spool.append(records, starts);
        } catch (IOException | RuntimeException ex) {
          recordError("spool write failed: " + ex);
          rateLimited.error("spool-write", "eventrelayer service '{}': cannot write the spool {} ({}); {} event(s) "
              + "wait in memory and will be written when it works again", name, spool.dir(), ex.toString(),
              handoffEvents.get());
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
      recordError("spool writer failed: " + e);
      log.error("eventrelayer service '{}': the spool writer stopped: {}", name, e.toString(), e);
      throw e;
    } finally {
      for (Entry e : batch) {
        dropFromHandoff(e, "service closed before the spool writer could write it");
      }
      writerDone = true;
      dropHandoff("service closed before the spool writer could write it");
      wakeDurabilityWaiters();
      LockSupport.unpark(worker);
    }
  }

  /** Forces the spool to the device; logs (rate-limited) and returns false if that fails. */
  private boolean forceQuietly() {
    try {
      spool.force();
      return true;
    } catch (IOException | RuntimeException e) {
      recordError("spool fsync failed: " + e);
      rateLimited.error("spool-fsync", "eventrelayer service '{}': cannot force the spool {} to disk: {}", name,
          spool.dir(), e.toString());
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
        spooledEvents.incrementAndGet();
        queuedEvents.decrementAndGet();
        heldBytes.addAndGet(-e.sizeHint);
        toRun(e, start, end);
      }
    }
    spoolUsed.addAndGet(grew - reserved);
    writtenOff.addAndGet(batch.size());
    wakeDurabilityWaiters();
    if (workerIdle) {
      LockSupport.unpark(worker);
    }
  }

  private void toMemory(Entry e) {
    memEvents.incrementAndGet();
    memBytes.addAndGet(e.sizeHint);
    queue.add(e);
    lastRun = null;
  }

  private void toRun(Entry e, long start, long end) {
    DeliveryTracker tracker = e.tracker;
    boolean tracked = tracker != DeliveryTracker.untracked();
    SpoolRun run = lastRun;
    if (run != null) {
      synchronized (run) {
        if (!run.sealed && run.segment == spool.active() && run.end == start) {
          run.end = end;
          run.count++;
          addTag(run, tracker, tracked, e.generation);
          return;
        }
      }
    }
    run = new SpoolRun(spool.active(), start, end, false);
    run.count = 1;
    synchronized (run) {
      addTag(run, tracker, tracked, e.generation);
    }
    lastRun = run;
    queue.add(run);
  }

  /** Remembers who waits on a record that lives only on disk; beyond a bound, its delivery is no longer tracked. */
  private void addTag(SpoolRun run, DeliveryTracker tracker, boolean tracked, Generation gen) {
    Tag last = run.tags.peekLast();
    if (last != null && last.tracker == tracker && last.generation == gen) {
      last.count++;
      return;
    }
    if (tracked && trackedTags.get() >= settings.queueCapacity) {
      rateLimited.warn("spool-untracked", "eventrelayer service '{}': more than {} calls wait on events that are "
          + "only on disk; the delivery futures of further ones will not complete (their events are still "
          + "delivered and counted)", name, settings.queueCapacity);
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
    run.tags.addLast(new Tag(tracker, gen, 1));
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
      log.warn("eventrelayer service '{}': dropped {} event(s) not yet written to the spool: {}", name, n, reason);
    }
  }

  private void dropFromHandoff(Entry e, String reason) {
    handoffEvents.decrementAndGet();
    handoffBytes.addAndGet(-e.sizeHint);
    spoolUsed.addAndGet(-(long) e.sizeHint - RECORD_OVERHEAD);
    queuedEvents.decrementAndGet();
    writtenOff.incrementAndGet();
    dropped.increment();
    heldBytes.addAndGet(-e.sizeHint);
    e.generation.leave();
    e.tracker.dropped(reason);
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
      // Take the answers of the batches still in flight (a close() past its deadline cancelled them), so each of
      // their events ends counted as what it is.
      while (!flights.isEmpty()) {
        try {
          completeOldest();
        } catch (RuntimeException e) {
          log.warn("eventrelayer service '{}': error completing a batch at close: {}", name, e.toString());
        }
      }
      while (!retryBacklog.isEmpty()) {
        pending.addAll(retryBacklog.pollFirst());
      }
      if (spool != null) {
        // A close() past its deadline may have interrupted us: clear it, and accept no more interrupts, or the
        // spool's files (interruptible channels) would close under the final checkpoint.
        synchronized (interruptLock) {
          workerExiting = true;
        }
        Thread.interrupted();
        leaveInSpool();
      } else {
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
      }
      Thread.interrupted(); // a close() past its deadline may have interrupted us; let the transport close cleanly
      try {
        transport.close();
      } catch (RuntimeException e) {
        log.warn("eventrelayer service '{}': error closing transport: {}", name, e.toString());
      }
    }
  }

  /** On exit with a spool: every durable event not final stays in the spool, counted as spooled. */
  private void leaveInSpool() {
    boolean interrupted = false;
    while (spoolWriter.isAlive()) { // the writer finishes the hand-off first (it has stopped taking new events)
      try {
        spoolWriter.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    List<Entry> left = new ArrayList<>(pending);
    pending = new ArrayList<>();
    if (carry != null) {
      left.add(carry);
      carry = null;
    }
    long kept = 0;
    for (Entry e : left) {
      keepSpooled(e);
      kept++;
    }
    QueueItem item;
    while ((item = queue.poll()) != null) {
      if (item instanceof Entry e) {
        if (e.seq >= 0) {
          keepSpooled(e);
          kept++;
        } else {
          queuedEvents.decrementAndGet();
          deadLetter(e, e.failureJson, e.failure, 0);
        }
      } else {
        SpoolRun run = (SpoolRun) item;
        synchronized (run) {
          run.sealed = true;
          long unread = run.count - run.taken;
          kept += unread;
          for (Tag t : run.tags) {
            releaseTag(t, t.count, LEFT_IN_SPOOL);
          }
          run.tags.clear();
        }
      }
    }
    try {
      long w = watermark();
      spool.close(w, finalsAbove(w));
    } catch (IOException e) {
      log.warn("eventrelayer service '{}': error closing the spool {}: {}", name, spool.dir(), e.toString());
    }
    if (kept > 0) {
      log.info("eventrelayer service '{}': {} event(s) stay in the spool {} for the next start", name, kept,
          spool.dir());
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void keepSpooled(Entry e) {
    spooledEvents.incrementAndGet();
    queuedEvents.decrementAndGet();
    heldBytes.addAndGet(-e.sizeHint);
    memEvents.decrementAndGet();
    memBytes.addAndGet(-e.sizeHint);
    e.generation.leave();
    e.tracker.dropped(LEFT_IN_SPOOL);
  }

  private void releaseTag(Tag t, long n, String reason) {
    t.generation.leave(n);
    if (t.tracker != null && t.tracker != DeliveryTracker.untracked()) {
      for (long i = 0; i < n; i++) {
        t.tracker.dropped(reason);
      }
      trackedTags.decrementAndGet();
    }
  }

  /** One unit of work. Returns false when the worker should exit. */
  private boolean step() throws IOException {
    if (!flights.isEmpty() && !mayLaunchAnother()) {
      completeOldest();
      return true;
    }
    if (pending.isEmpty() && !retryBacklog.isEmpty()) {
      pending = retryBacklog.pollFirst();
    }
    if (pending.isEmpty()) {
      if (carry == null && queue.isEmpty()) {
        if (!flights.isEmpty()) {
          completeOldest(); // nothing more to begin: take the answers
          return true;
        }
        if (closing && (spool == null || writerDone) && queue.isEmpty()) {
          return false;
        }
        if (spool != null) {
          advanceWatermark(); // syncs a checkpoint written less than a second before the queue ran dry
        }
        idle(IDLE_PARK_NANOS);
        return true;
      }
      if (!closing && flights.isEmpty() && lingering()) {
        return true;
      }
      assemble();
      if (spool != null) {
        advanceWatermark();
      }
      if (pending.isEmpty()) {
        return true;
      }
    }
    long wait = notBeforeNanos - System.nanoTime();
    if (wait > 0) {
      if (spool != null && closing && writerDone) {
        return false; // everything left is durable: stop waiting for the endpoint
      }
      parkNanos(wait);
      return true;
    }
    if (settings.rateLimit > 0) {
      long early = nextSendNanos - System.nanoTime();
      if (early > 0) {
        parkNanos(early);
        return true;
      }
    }
    if (!breaker.tryAcquirePermission()) {
      if (spool != null && closing && writerDone) {
        return false;
      }
      parkNanos(BREAKER_POLL_NANOS);
      return true;
    }
    if (settings.rateLimit > 0) {
      long cost = (long) (pending.size() * 1e9 / settings.rateLimit);
      nextSendNanos = Math.max(nextSendNanos, System.nanoTime()) + cost;
    }
    launch();
    return true;
  }

  /** Whether another batch may be begun while some are in flight: only while all goes well. */
  private boolean mayLaunchAnother() {
    return flights.size() < maxInFlight && retryBacklog.isEmpty() && !stopNow
        && notBeforeNanos - System.nanoTime() <= 0 && (settings.rateLimit <= 0 || nextSendNanos <= System.nanoTime())
        && breaker.getState() == CircuitBreaker.State.CLOSED;
  }

  /** Waits (returning true) while the oldest event is younger than linger and the batch is not yet full. */
  private boolean lingering() {
    if (carry != null || queuedEvents.get() >= settings.maxBatchEvents) {
      return false;
    }
    QueueItem head = queue.peek();
    if (!(head instanceof Entry first)) {
      return false; // empty, or records on disk: send them at once
    }
    long wait = first.acceptedNanos + settings.linger.toNanos() - System.nanoTime();
    if (wait <= 0) {
      return false;
    }
    parkNanos(wait);
    return true;
  }

  /** Takes events from the queue into {@code pending}, building and serializing them, within the batch bounds. */
  private void assemble() throws IOException {
    long bytes = 2; // [ and ]
    while (pending.size() < settings.maxBatchEvents) {
      Entry e = carry;
      if (e != null) {
        carry = null;
      } else {
        QueueItem item = queue.peek();
        if (item == null) {
          break;
        }
        if (item instanceof SpoolRun run) {
          e = readFromRun(run);
          if (e == null) {
            continue; // the run is exhausted and was removed
          }
        } else {
          queue.poll();
          e = (Entry) item;
          if (e.coalesceKey != null) {
            e.take();
            waitingByKey.remove(e.coalesceKey, e);
          }
        }
        if (!build(e)) {
          continue;
        }
        if (e.seq >= 0) {
          outstanding.addLast(e);
          lastConsumedSeq = e.seq;
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

  /**
   * Reads the next record of a run from disk, or returns {@code null} after removing the exhausted run from the
   * queue. Records that cannot be read back any more (damaged since written) are counted as dropped.
   */
  private Entry readFromRun(SpoolRun run) throws IOException {
    while (true) {
      long end;
      synchronized (run) {
        end = run.end;
      }
      SpoolRecord r;
      try {
        if (run.cursor == null) {
          run.cursor = spool.cursor(run.segment, run.start, end);
        } else {
          run.cursor.extendTo(end);
        }
        r = run.cursor.next();
      } catch (IOException e) {
        if (java.nio.file.Files.exists(run.segment.path)) {
          throw e; // a transient read error: the worker logs it and tries again shortly
        }
        // The segment file was removed behind our back: what it held is gone.
        log.warn("eventrelayer service '{}': spool segment {} disappeared: {}", name, run.segment, e.toString());
        synchronized (run) {
          run.end = run.cursor == null ? run.start : run.cursor.position();
        }
        run.cursor = null;
        r = null;
      }
      if (r != null && run.recovered && spool.isRecoveredFinal(r.seq())) {
        continue; // final before the last run ended (answered out of order): not counted, not sent again
      }
      if (r != null) {
        Tag tag;
        synchronized (run) {
          tag = run.tags.peekFirst();
          if (tag == null) {
            continue; // more intact records than were counted: cannot happen; skip rather than double-deliver
          }
          if (--tag.count == 0) {
            run.tags.pollFirst();
            if (tag.tracker != null && tag.tracker != DeliveryTracker.untracked()) {
              trackedTags.decrementAndGet();
            }
          }
          run.taken++;
        }
        return fromRecord(r, tag);
      }
      long missing;
      List<Tag> lost;
      synchronized (run) {
        if (run.cursor != null && run.cursor.position() < run.end) {
          continue; // the writer extended the run meanwhile
        }
        run.sealed = true;
        missing = run.count - run.taken;
        lost = new ArrayList<>(run.tags);
        run.tags.clear();
      }
      queue.poll(); // the run, at the head
      if (!run.recovered && run.cursor != null && run.cursor.corruptRegions() > 0) {
        corruptRegions.addAndGet(run.cursor.corruptRegions());
      }
      if (missing > 0) {
        spooledEvents.addAndGet(-missing);
        dropped.add(missing);
        String reason = "spool record unreadable (damaged on disk since it was written)";
        recordError(reason);
        log.warn("eventrelayer service '{}': {} spooled event(s) in {} could not be read back: {}", name, missing,
            run.segment, reason);
        for (Tag t : lost) {
          releaseTag(t, t.count, reason);
        }
      }
      return null;
    }
  }

  private Entry fromRecord(SpoolRecord r, Tag tag) {
    long nowMillis = System.currentTimeMillis();
    long ageMillis = Math.max(0, Math.min(nowMillis - r.acceptedMillis(), TimeUnit.DAYS.toMillis(3650)));
    DeliveryTracker tracker = tag.tracker != null ? tag.tracker : DeliveryTracker.untracked();
    Entry e = new Entry(null, tracker, r.stream(), r.json().length, tag.generation,
        System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ageMillis), r.acceptedMillis());
    e.seq = r.seq();
    e.event = new BatchEvent(r.stream(), r.json(), r.id(), null);
    queuedEvents.incrementAndGet();
    spooledEvents.decrementAndGet();
    heldBytes.addAndGet(e.sizeHint);
    memEvents.incrementAndGet();
    memBytes.addAndGet(e.sizeHint);
    return e;
  }

  /** Builds and serializes one entry; dead-letters it (returning false) if that fails or it can never fit. */
  private boolean build(Entry e) {
    if (e.event == null && e.failure == null) {
      serialize(e);
    }
    if (e.event != null) {
      return true;
    }
    queuedEvents.decrementAndGet();
    deadLetter(e, e.failureJson, e.failure, 0);
    return false;
  }

  /**
   * Builds, serializes and (with {@code signing.secret}) signs an entry: sets {@code e.event}, or {@code e.failure}
   * (and {@code e.failureJson} when it could be written) saying why it can never be sent.
   */
  private void serialize(Entry e) {
    Map<String, Object> fields;
    byte[] json;
    try {
      fields = e.source.build();
      json = JSON.writeValueAsBytes(fields);
      if (settings.signer != null) {
        json = settings.signer.signJsonObject(json);
      }
    } catch (Exception | StackOverflowError ex) {
      e.failure = "unserializable: " + ex.getClass().getSimpleName() + ": " + ex.getMessage();
      return;
    }
    if (json.length + 2L > settings.maxBatchBytes) {
      e.failure = "event-too-large: " + json.length + " bytes can never fit a batch of at most "
          + settings.maxBatchBytes;
      e.failureJson = new String(json, StandardCharsets.UTF_8);
      return;
    }
    e.event = new BatchEvent(e.stream, json, metaId(fields), settings.signer == null ? fields : null);
  }

  private static String metaId(Map<String, Object> fields) {
    if (fields.get("meta") instanceof Map<?, ?> meta && meta.get("id") != null) {
      return meta.get("id").toString();
    }
    return null;
  }

  /** Begins sending {@code pending} as one batch; it is in flight until {@link #complete} takes its outcome. */
  private void launch() {
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
    inFlight = inFlight + batchEntries.size(); // first, so that offer() never sees the events in neither count
    queuedEvents.addAndGet(-batchEntries.size());
    InFlight flight = new InFlight(batchEntries, batch, System.nanoTime());
    try {
      flight.handle = transport.begin(batch);
    } catch (Throwable ex) { // includes InterruptedException: complete() reports it
      flight.beginFailure = ex;
    }
    flights.addLast(flight);
  }

  /** Waits for the oldest batch in flight and turns its answer into each event's outcome. */
  private void completeOldest() {
    InFlight flight = flights.pollFirst();
    List<Entry> batchEntries = flight.entries;
    Batch batch = flight.batch;
    int attempt = batch.attempt();
    long started = flight.started;
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
    long took = System.nanoTime() - started;
    batches.increment();
    if (!sendListeners.isEmpty()) {
      tellListeners(new SendListener.SendInfo(name, type, batch.size(), batch.jsonArrayBytes(), attempt, took,
          failure != null ? SendListener.Outcome.FAILURE
              : result.hasRetries() ? SendListener.Outcome.PARTIAL : SendListener.Outcome.SUCCESS));
    }
    if (result.hasRetries()) {
      breaker.onError(took, TimeUnit.NANOSECONDS,
          failure != null ? failure : new DeliveryFailure(result.firstReason()));
    } else {
      breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    }

    List<Entry> again = new ArrayList<>();
    long now = System.nanoTime();
    int flying = inFlight;
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
          // Trackers first: whoever sees flush() return must find every delivery future complete.
          e.tracker.delivered();
          e.followersDelivered();
          finish(e);
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
    if (spool != null) {
      advanceWatermark();
    }
    if (!again.isEmpty()) {
      retries.add(again.size());
      if (pending.isEmpty()) {
        pending = again;
      } else {
        retryBacklog.addLast(again); // another failed batch is already waiting: keep batches within their bounds
      }
      int maxAttempt = again.stream().mapToInt(x -> x.attempts).max().orElse(1);
      long delayMillis = backoff.apply(maxAttempt, Either.right(result));
      notBeforeNanos = Math.max(notBeforeNanos, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis));
      recordError(result.firstReason());
      if (!stopNow) {
        rateLimited.warn("send-failed", "eventrelayer service '{}': {} of {} event(s) not delivered, retrying in {} ms "
              + "(attempt {}): {}", name, again.size(), batchEntries.size(), delayMillis, maxAttempt,
          result.firstReason());
      }
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
      recoveredFinals = java.util.Arrays.copyOfRange(recoveredFinals, from, recoveredFinals.length);
    }
    int n = 0;
    for (Entry e : outstanding) {
      if (e.isFinal) {
        n++;
      }
    }
    long[] out = java.util.Arrays.copyOf(recoveredFinals, recoveredFinals.length + n);
    int i = recoveredFinals.length;
    for (Entry e : outstanding) {
      if (e.isFinal) {
        out[i++] = e.seq;
      }
    }
    java.util.Arrays.sort(out);
    return out;
  }

  /**
   * Records newly final records in the checkpoint (a positional write of a few bytes; fsync at most once a second)
   * and deletes the segments that hold only final records.
   */
  private void advanceWatermark() {
    try {
      if (finalized != finalizedCheckpointed) {
        long w = watermark();
        spoolUsed.addAndGet(-spool.checkpoint(w, finalsAbove(w)));
        finalizedCheckpointed = finalized;
        checkpointDirty = true;
      }
      long now = System.nanoTime();
      if (checkpointDirty && now - checkpointSyncedAt >= CHECKPOINT_SYNC_NANOS) {
        spool.syncCheckpoint();
        checkpointDirty = false;
        checkpointSyncedAt = now;
      }
    } catch (IOException e) {
      rateLimited.warn("spool-checkpoint", "eventrelayer service '{}': cannot update the spool checkpoint in {}: "
          + "{}; a restart may send some delivered events again", name, spool.dir(), e.toString());
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
    try {
      deadLetters.handle(new DeadLetter(name, e.stream, json, reason, attempts));
    } catch (RuntimeException ex) {
      rateLimited.warn("dead-letter-handler", "eventrelayer service '{}': dead-letter handler failed: {}", name,
          ex.toString());
    }
    e.tracker.deadLettered(reason);
    e.followersDeadLettered(reason);
    finish(e);
  }

  private void drop(Entry e, String reason) {
    dropped.increment();
    e.tracker.dropped(reason);
    e.followersDropped(reason);
    finish(e);
  }

  private void finish(Entry e) {
    heldBytes.addAndGet(-e.sizeHint);
    if (spool != null) {
      memEvents.decrementAndGet();
      memBytes.addAndGet(-e.sizeHint);
      if (e.seq >= 0) {
        e.isFinal = true;
        finalized++;
      }
    }
    e.generation.leave();
  }

  private void dropLeftovers(String reason) {
    QueueItem item;
    int n = 0;
    while ((item = queue.poll()) != null) {
      queuedEvents.decrementAndGet();
      Entry e = (Entry) item;
      if (e.coalesceKey != null) {
        e.take(); // no event may follow it any more: its followers are told below
        waitingByKey.remove(e.coalesceKey, e);
      }
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
      if (queue.isEmpty()) {
        LockSupport.parkNanos(this, closing ? CLOSING_POLL_NANOS : nanos);
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

  private void tellListeners(SendListener.SendInfo info) {
    for (SendListener l : sendListeners) {
      try {
        l.onSend(info);
      } catch (RuntimeException e) {
        rateLimited.warn("send-listener", "eventrelayer service '{}': a send listener failed: {}", name,
            e.toString());
      }
    }
  }

  @Override
  public void addSendListener(SendListener listener) {
    sendListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void removeSendListener(SendListener listener) {
    sendListeners.remove(listener);
  }

  @Override
  public ServiceStats stats() {
    int flying = inFlight;
    return new ServiceStats(name, type, Math.max(0, queuedEvents.get()), Math.max(0, heldBytes.get()), flying,
        Math.max(0, spooledEvents.get()), accepted.sum(), refused.sum(), delivered.sum(), deadLettered.sum(),
        dropped.sum(), coalesced.sum(), retries.sum(), batches.sum(), breaker.getState().name(), lastError,
        lastErrorAt);
  }

  /** Corrupt stretches skipped in the spool (when opening it, and when reading records back), for tests. */
  long spoolCorruptRegions() {
    return corruptRegions.get();
  }

  /** Bytes the spool holds or has reserved, for tests. */
  long spoolUsedBytes() {
    return spoolUsed.get();
  }

  /** The spool's directory, or {@code null}. */
  java.nio.file.Path spoolDirectory() {
    return spool == null ? null : spool.dir();
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

  /** A batch begun and not yet completed. */
  static final class InFlight {
    final List<Entry> entries;
    final Batch batch;
    final long started;
    Transport.Flight handle;
    Throwable beginFailure;

    InFlight(List<Entry> entries, Batch batch, long started) {
      this.entries = entries;
      this.batch = batch;
      this.started = started;
    }
  }

  /** What the worker's queue holds: an {@link Entry} in memory, or a {@link SpoolRun} of records on disk. */
  interface QueueItem {}

  /** One accepted event on its way. */
  static final class Entry implements QueueItem {
    final PendingEvent source; // null for a record read back from the spool
    final DeliveryTracker tracker;
    final String stream;
    final int sizeHint;
    final Generation generation;
    final long acceptedNanos;
    final long acceptedMillis; // with a spool only
    BatchEvent event; // built on the worker (or the spool writer)
    int attempts;
    long seq = -1; // the spool record's, once written
    String failure; // why the spool writer could not build it
    String failureJson;
    boolean isFinal;
    String coalesceKey; // set while equal purges may follow this one
    private List<DeliveryTracker> followers; // guarded by this; frozen once taken
    private boolean taken; // guarded by this

    /** Lets an equal event offered later share this one's fate; false once the worker has taken this one. */
    synchronized boolean follow(DeliveryTracker tracker) {
      if (taken) {
        return false;
      }
      if (followers == null) {
        followers = new ArrayList<>(2);
      }
      followers.add(tracker);
      return true;
    }

    /** Ends the window in which equal events may follow this one. */
    synchronized void take() {
      taken = true;
    }

    private synchronized List<DeliveryTracker> followers() {
      return followers == null ? List.of() : followers;
    }

    void followersDelivered() {
      for (DeliveryTracker t : followers()) {
        t.delivered();
      }
    }

    void followersDeadLettered(String reason) {
      for (DeliveryTracker t : followers()) {
        t.deadLettered(reason);
      }
    }

    void followersDropped(String reason) {
      for (DeliveryTracker t : followers()) {
        t.dropped(reason);
      }
    }

    Entry(PendingEvent source, int sizeHint, Generation generation, long acceptedNanos, long acceptedMillis) {
      this(source, source.tracker(), source.stream(), sizeHint, generation, acceptedNanos, acceptedMillis);
    }

    Entry(PendingEvent source, DeliveryTracker tracker, String stream, int sizeHint, Generation generation,
        long acceptedNanos, long acceptedMillis) {
      this.source = source;
      this.tracker = tracker;
      this.stream = stream;
      this.sizeHint = sizeHint;
      this.generation = generation;
      this.acceptedNanos = acceptedNanos;
      this.acceptedMillis = acceptedMillis;
    }
  }

  /**
   * Consecutive records of one segment that live only on disk, {@code [start, end)}; the writer extends the last
   * run while the worker reads it. Fields other than the cursor are guarded by the run's monitor.
   */
  static final class SpoolRun implements QueueItem {
    final SpoolLog.Segment segment;
    final long start;
    final boolean recovered; // left by a previous run (its corrupt stretches were counted when opening)
    long end;
    long count;
    long taken;
    boolean sealed;
    final ArrayDeque<Tag> tags = new ArrayDeque<>();
    RecordCursor cursor; // worker-confined

    SpoolRun(SpoolLog.Segment segment, long start, long end, boolean recovered) {
      this.segment = segment;
      this.start = start;
      this.end = end;
      this.recovered = recovered;
    }
  }

  /** Who waits on {@code count} consecutive records of a run: their tracker ({@code null}: untracked) and flush. */
  static final class Tag {
    final DeliveryTracker tracker;
    final Generation generation;
    long count;

    Tag(DeliveryTracker tracker, Generation generation, long count) {
      this.tracker = tracker;
      this.generation = generation;
      this.count = count;
    }
  }
}
