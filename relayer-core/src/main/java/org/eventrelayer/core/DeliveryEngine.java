package org.eventrelayer.core;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eventrelayer.ConfigException;
import org.eventrelayer.Refusal;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;
import org.eventrelayer.spi.SendListener;
import org.eventrelayer.spi.ServiceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery engine every transport shares, as a facade over its parts: {@link Admission} (the caller's side:
 * bounds and coalescing, lock-free, never blocking), {@link SendLoop} (the one worker thread: batching, sending,
 * outcomes), {@link RetrySchedule} and {@link BreakerPolicy} (when to send again), {@link EventBuilder}
 * (serialization and signing), {@link Verdicts} (making events final), {@link ServiceCounters} (stats) and a
 * {@link Spool} ({@link MappedEventSpool} with {@code spoolDir}, else the no-op {@link MemorySpool}). A transport only
 * turns a batch into a request and the answer into per-event outcomes ({@link Transport}).
 *
 * <p><b>Spool</b> ({@code spoolDir} set, {@code overflow: spool}): {@link #offer} writes the event's record into a
 * memory-mapped segment on the caller's thread (no system call, no wait: see {@link MappedEventSpool}) and returns
 * only then, so an accepted event survives a crash of the process ({@code kill -9}, an OOM kill, a JVM crash). A
 * crash of the operating system or a power loss can lose what was not yet forced to the device: with
 * {@code spool.fsync: batch} the worker forces before it sends, with {@code spool.fsync: interval} the spool's
 * thread forces every {@code spool.fsyncInterval}; {@link #awaitDurable} forces at once. Delivery is
 * at-least-once: after a crash, the events that were in flight are sent again; their {@code meta.id} lets consumers
 * drop the duplicates. {@link #close} drops nothing that is in the spool: it stays, counted as spooled.
 */
public final class DeliveryEngine implements EventService {

  private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
  static final String LEFT_IN_SPOOL = MappedEventSpool.LEFT_IN_SPOOL;
  /**
   * What close() keeps of its budget (at most a tenth) for its own work after waiting for the worker: a loaded
   * machine (producers saturating the cores, a GC) may hold a thread back that long, and the deadline is the
   * deadline.
   */
  private static final long CLOSE_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final EngineContext ctx;
  private final Transport transport;
  private final BreakerPolicy policy;
  private final Spool spool;
  private final Admission admission;
  private final SendLoop loop;
  private final Thread worker;
  private final Object closeLock = new Object();
  private Boolean closeResult; // guarded by closeLock

  private DeliveryEngine(EngineContext ctx, Transport transport, DeadLetterHandler deadLetters, boolean openSpool) {
    this.ctx = ctx;
    this.transport = transport;
    EventBuilder builder = new EventBuilder(ctx.settings);
    this.policy = new BreakerPolicy(ctx.name, ctx.settings, openSpool ? "spool" : "queue", ctx.counters::lastError);
    this.spool = openSpool ? MappedEventSpool.open(ctx, builder) : new MemorySpool();
    Verdicts verdicts = new Verdicts(ctx, deadLetters, spool);
    this.admission = new Admission(ctx, verdicts, policy::state);
    this.loop = new SendLoop(ctx, transport, policy, builder, verdicts, admission, spool);
    this.worker = new Thread(loop::run, "eventrelayer-" + ctx.name + "-worker");
    this.worker.setDaemon(true);
    ctx.worker(worker);
  }

  /**
   * Builds and starts the engine of one event service: reads the engine's keys from {@code context.config()}
   * ({@code queueCapacity}, {@code queueBytes}, {@code maxBatchEvents}, {@code maxBatchBytes}, {@code linger},
   * {@code overflow}, {@code spoolDir}, {@code spool.*}, {@code retry.*}, {@code breaker.*}, {@code signing.*},
   * {@code deadLetterHandler}), creates the transport from the rest of the entry, checks every stream routed to
   * the service against it, opens the spool (replaying what a previous run left) and starts the threads.
   *
   * @param context the service's name, config and streams
   * @param type the provider name, for stats and logs
   * @param transports creates the transport from the service's config without the engine's keys; the engine owns
   *     the transport from then on and closes it (also when the start fails)
   * @return the running service
   * @throws ConfigException if a key is wrong, or the spool directory cannot be used or is in use by another
   *     relayer (naming {@code spoolDir})
   */
  public static EventService start(ServiceContext context, String type, Transport.Factory transports) {
    return start(context, type, Map.of(), transports);
  }

  /**
   * Like {@link #start(ServiceContext, String, Transport.Factory)}, with engine defaults suited to the transport
   * (e.g. {@code maxBatchEvents: 5000} for Kafka); only {@code queueCapacity} and {@code maxBatchEvents} may be
   * given.
   */
  public static EventService start(ServiceContext context, String type, Map<String, ?> engineDefaults,
      Transport.Factory transports) {
    return start(context, type, engineDefaults, transports, EngineClock.SYSTEM);
  }

  /** Like {@link #start(ServiceContext, String, Map, Transport.Factory)} on {@code clock}: for tests that drive time. */
  static DeliveryEngine start(ServiceContext context, String type, Map<String, ?> engineDefaults,
      Transport.Factory transports, EngineClock clock) {
    EngineSettings settings = new EngineSettings(context.config(), context.name(), engineDefaults);
    DeadLetterHandler handler = deadLetterHandler(context.config(), settings.deadLetterHandlerClass);
    Transport transport = Objects.requireNonNull(transports.create(transportContext(context)), "transport");
    DeliveryEngine engine;
    try {
      for (String stream : context.streams().keySet()) {
        try {
          transport.checkStream(stream);
        } catch (IllegalArgumentException e) {
          throw new ConfigException("streams." + stream, e.getMessage(), e);
        }
      }
      EngineContext ctx = new EngineContext(context.name(), type, settings, clock,
          new RateLimitedLogger(log, Duration.ofSeconds(30)));
      engine = new DeliveryEngine(ctx, transport, handler, settings.spool());
    } catch (RuntimeException e) {
      transport.close();
      throw e;
    }
    engine.worker.start();
    return engine;
  }

  /** {@code context} with a config view from which the engine's keys are taken. */
  private static ServiceContext transportContext(ServiceContext context) {
    return ServiceContext.of(context.name(), context.config().without(EngineSettings.KEYS), context.streams());
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
    return ctx.name;
  }

  @Override
  public String type() {
    return ctx.type;
  }

  @Override
  public void checkStream(String stream) {
    transport.checkStream(stream);
  }

  @Override
  public long maxEventBytes() {
    // A batch is a JSON array around its events; a signature adds ,"field":"<up to 128 hex digits>".
    EngineSettings settings = ctx.settings;
    long signature = settings.signer == null ? 0 : settings.signer.field().length() + 6 + 128;
    return settings.maxBatchBytes - 2 - signature;
  }

  /** The part of {@link #offer}'s checks that depends on the event alone: its size against a batch's. */
  @Override
  public Refusal checkEvent(PendingEvent event) {
    return admission.checkSize(event);
  }

  /** Never blocks, never waits on the network, never touches the disk. */
  @Override
  public Refusal offer(PendingEvent event) {
    Refusal refusal = admission.precheck(event);
    if (refusal != null) {
      return refusal;
    }
    return spool.takesOffers() ? spool.offer(event, event.sizeHint()) : admission.enqueue(event, event.sizeHint());
  }

  /**
   * With a spool, every accepted event is in it already when {@code notify} returns (it survives {@code kill -9});
   * this waits until everything accepted before the call is also forced to the device ({@code fsync}), the level
   * that survives an operating-system crash or power loss.
   *
   * @return {@code true} once forced, {@code false} if the deadline passed first, the force failed, or the service
   *     has no spool
   */
  @Override
  public boolean awaitDurable(Duration timeout) {
    return spool.awaitDurable(timeout);
  }

  @Override
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long spooled = spool.flushMark();
    Generation sealed = ctx.seal();
    sealed.leave(); // remove the seal
    ctx.wake();
    for (Generation g = sealed; g != null; g = g.previous()) {
      if (!g.await(deadline)) {
        return false;
      }
    }
    return spool.awaitFinal(spooled, deadline);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Returns by the deadline, whatever the destination does: the worker drains for most of the budget, then
   * the send in progress is cancelled and the worker interrupted; if it is still inside a transport call, it
   * finishes exiting in the background. With a spool, nothing accepted is dropped: every event not final stays in
   * the spool for the next start (counted as spooled); only if the disk itself does not answer by the deadline are
   * events still in the hand-off dropped.
   */
  @Override
  public boolean close(Duration timeout) {
    synchronized (closeLock) {
      if (closeResult != null) {
        return closeResult;
      }
      long start = System.nanoTime();
      long end = start + Math.max(0, timeout.toNanos() - Math.min(CLOSE_MARGIN_NANOS, timeout.toNanos() / 10));
      long budget = end - start;
      ctx.closing = true;
      ctx.wake();
      // Drain gracefully for most of the budget; keep the rest to abort a send stuck on a hung endpoint.
      long grace = Math.min(TimeUnit.SECONDS.toNanos(1), budget / 5);
      boolean drained = join(end - grace);
      if (!drained) {
        ctx.stopNow = true;
        ctx.wake();
        if (spool.patientAtClose()) {
          // Spooled events lose nothing by waiting: let a send in progress finish if it can within half the grace.
          drained = join(end - grace / 2);
        }
        if (!drained) {
          transport.cancel();
          loop.interruptUnlessExiting(worker);
          ctx.wake();
          drained = join(end);
        }
      }
      if (!drained) {
        log.warn("eventrelayer service '{}': worker still busy after close deadline of {}; it will exit as soon as "
            + "its transport call returns", ctx.name, timeout);
      }
      ServiceStats s = stats();
      boolean clean = drained && s.dropped() == 0 && s.spooled() == 0;
      log.info("eventrelayer service '{}' closed: {}", ctx.name, s);
      closeResult = clean;
      return clean;
    }
  }

  private boolean join(long deadlineNanos) {
    long remaining = deadlineNanos - System.nanoTime();
    try {
      if (remaining > 0) {
        TimeUnit.NANOSECONDS.timedJoin(worker, remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !worker.isAlive();
  }

  @Override
  public void addSendListener(SendListener listener) {
    loop.listeners().add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void removeSendListener(SendListener listener) {
    loop.listeners().remove(listener);
  }

  @Override
  public ServiceStats stats() {
    long oldest = loop.oldestWaitingNanos();
    QueueItem head = ctx.queue.peek();
    if (head != null) {
      oldest = Math.min(oldest, head.acceptedNanos());
    }
    Duration age = oldest == RetrySchedule.NONE ? Duration.ZERO
        : Duration.ofNanos(Math.max(0, ctx.clock.nanoTime() - oldest));
    return ctx.counters.snapshot(ctx.name, ctx.type, policy.state(), age);
  }

  /** The spool, for tests. */
  Spool spool() {
    return spool;
  }

  /** Corrupt stretches skipped in the spool (when opening it, and when reading records back), for tests. */
  long spoolCorruptRegions() {
    return spool instanceof MappedEventSpool d ? d.corruptRegions() : 0;
  }

  /** Bytes the spool holds or has reserved, for tests. */
  long spoolUsedBytes() {
    return spool instanceof MappedEventSpool d ? d.usedBytes() : 0;
  }

  /** The spool's directory, or {@code null}. */
  java.nio.file.Path spoolDirectory() {
    return spool instanceof MappedEventSpool d ? d.dir() : null;
  }

  @Override
  public String toString() {
    return "DeliveryEngine{" + ctx.name + "/" + ctx.type + "}";
  }
}
