package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;
import org.eventrelayer.spi.ServiceContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine built directly on a clock the test drives: retries wait on their own schedule while new batches go
 * out, time (not the wall clock) makes them due, and an unreadable answer is narrowed down by halving.
 */
class RetryScheduleEngineTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);

  /** Time stands still until the test advances it; parking waits a real millisecond at most. */
  static final class ManualClock implements EngineClock {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
      return nanos.get();
    }

    @Override
    public long currentTimeMillis() {
      return TimeUnit.NANOSECONDS.toMillis(nanos.get());
    }

    @Override
    public void parkNanos(Object blocker, long n) {
      LockSupport.parkNanos(blocker, Math.min(n, TimeUnit.MILLISECONDS.toNanos(1)));
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }

  /** Records every batch and answers with {@link #script}. */
  static final class Recorder implements SynchronousTransport {
    final List<List<String>> batches = new CopyOnWriteArrayList<>();
    volatile Function<Batch, SendResult> script = b -> SendResult.delivered();

    @Override
    public SendResult send(Batch batch) {
      batches.add(batch.events().stream().map(BatchEvent::id).toList());
      return script.apply(batch);
    }

    @Override
    public void close() {}
  }

  private final ManualClock clock = new ManualClock();
  private final Recorder transport = new Recorder();
  private DeliveryEngine engine;

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close(Duration.ofSeconds(2));
    }
  }

  private DeliveryEngine start(Object... kv) {
    Map<String, Object> values = new java.util.LinkedHashMap<>(Map.of("linger", "0ms"));
    for (int i = 0; i < kv.length; i += 2) {
      values.put((String) kv[i], kv[i + 1]);
    }
    Config config = Config.of("eventServices.timed", values);
    ServiceContext context = ServiceContext.of("timed", config, Map.of());
    engine = DeliveryEngine.start(context, "timed", Map.of(), c -> transport, clock);
    return engine;
  }

  private static PendingEvent event(String id, DeliveryTracker tracker) {
    return new PendingEvent("s", tracker) {
      @Override
      public Map<String, Object> build() {
        return Map.of("meta", Map.of("id", id, "stream", "s"));
      }

      @Override
      public int sizeHint() {
        return 48;
      }
    };
  }

  private static DeliveryTracker offer(DeliveryEngine engine, String... ids) {
    DeliveryTracker tracker = new DeliveryTracker();
    for (String id : ids) {
      tracker.expect();
      assertThat(engine.offer(event(id, tracker))).isNull();
    }
    tracker.seal();
    return tracker;
  }

  /** Fails the event with id "poison" in every batch (a per-event {@code error}), delivers the rest. */
  private static SendResult poisonFails(Batch b) {
    SendResult.Builder r = SendResult.builder(b.size());
    for (int i = 0; i < b.size(); i++) {
      if ("poison".equals(b.events().get(i).id())) {
        r.retry(i, "error: schema not found");
      }
    }
    return r.build();
  }

  @Test
  void aFailedEventWaitsOnItsOwnWhileNewBatchesGoOutAndTimeMakesItDue() {
    DeliveryEngine e = start("retry.initialBackoff", "1h", "retry.maxBackoff", "1h", "retry.maxAge", "0ms");
    transport.script = RetryScheduleEngineTest::poisonFails;
    DeliveryTracker poison = offer(e, "poison");
    await().atMost(PATIENCE).until(() -> e.stats().retries() == 1);

    // Time stands still: the poisoned event is not due for an hour, yet new events go out at once.
    for (int i = 0; i < 5; i++) {
      DeliveryTracker t = offer(e, "a" + i, "b" + i);
      assertThat(t.future()).succeedsWithin(PATIENCE)
          .satisfies(report -> assertThat(report.delivered()).isEqualTo(2));
    }
    assertThat(transport.batches.get(0)).containsExactly("poison");
    assertThat(transport.batches.subList(1, transport.batches.size())).noneMatch(b -> b.contains("poison"))
        .flatMap(b -> b).hasSize(10);
    ServiceStats s = e.stats();
    assertThat(s.breakerState()).isEqualTo("CLOSED");
    assertThat(s.queued()).isEqualTo(1);

    // Its age is the driven time since it was accepted.
    clock.advance(Duration.ofMinutes(30));
    assertThat(e.stats().oldestQueuedAge()).isEqualTo(Duration.ofMinutes(30));

    // Once due (backoff 1 h, jitter up to 1.5 h), it rides along with the next batch.
    clock.advance(Duration.ofHours(2));
    assertThat(offer(e, "c").future()).succeedsWithin(PATIENCE);
    await().atMost(PATIENCE).until(() -> transport.batches.stream().filter(b -> b.contains("poison")).count() == 2);
    assertThat(poison.future()).isNotDone();
    assertThat(e.stats().breakerState()).isEqualTo("CLOSED");
  }

  @Test
  void retryAfterFromTheDestinationHoldsEverySendOfTheServiceUntilThen() {
    DeliveryEngine e = start("retry.initialBackoff", "1ms", "retry.maxBackoff", "2ms", "retry.maxAge", "0ms");
    transport.script = b -> b.size() == 1 && "a".equals(b.events().get(0).id())
        ? SendResult.retryAll("http 429 Too Many Requests", Duration.ofHours(1)) : SendResult.delivered();
    DeliveryTracker a = offer(e, "a");
    await().atMost(PATIENCE).until(() -> e.stats().retries() == 1);
    clock.advance(Duration.ofMinutes(30)); // a 2 ms backoff would long be over; Retry-After is not
    DeliveryTracker b = offer(e, "b");
    clock.advance(Duration.ofMinutes(31));
    // Held together until the hour passed, they leave in one batch: "b" was not sent alone meanwhile.
    assertThat(a.future()).succeedsWithin(PATIENCE);
    assertThat(b.future()).succeedsWithin(PATIENCE);
    assertThat(transport.batches).containsExactly(List.of("a"), List.of("a", "b"));
  }

  @Test
  void anUnreadableAnswerIsNarrowedDownByHalvingWithoutCountingAttempts() {
    // One attempt only: were a split counted as an attempt, every event would be dead-lettered.
    // The clock stands still, so the batch lingers until all 8 are queued (maxBatchEvents).
    DeliveryEngine e = start("retry.maxAttempts", "1", "maxBatchEvents", "8", "linger", "1s");
    transport.script = b -> b.size() > 2 ? SendResult.unknownAll("207 body over maxResponseBytes")
        : SendResult.delivered();
    DeliveryTracker t = offer(e, "e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7");
    assertThat(t.future()).succeedsWithin(PATIENCE)
        .satisfies(report -> assertThat(report.delivered()).isEqualTo(8));
    assertThat(transport.batches.stream().map(List::size).toList()).containsExactly(8, 4, 4, 2, 2, 2, 2);
    ServiceStats s = e.stats();
    assertThat(s.deadLettered()).isZero();
    assertThat(s.retries()).isEqualTo(16); // one resend per event per unreadable answer: 8, then 4 + 4
    assertThat(s.breakerState()).isEqualTo("CLOSED");
    assertThat(s.oldestQueuedAge()).isEqualTo(Duration.ZERO);
  }

  @Test
  void aLoneEventWithAnUnreadableAnswerIsAnOrdinaryFailure() {
    DeliveryEngine e = start("retry.maxAttempts", "2", "retry.initialBackoff", "1ms", "retry.maxBackoff", "1ms");
    transport.script = b -> SendResult.unknownAll("unreadable");
    DeliveryTracker t = offer(e, "alone");
    clock.advance(Duration.ofSeconds(1)); // makes the one retry due whenever it is scheduled
    await().atMost(PATIENCE).until(() -> {
      clock.advance(Duration.ofMillis(10));
      return t.future().isDone();
    });
    assertThat(t.future().join().deadLettered()).isEqualTo(1);
    assertThat(t.future().join().firstFailure()).contains("retries exhausted after 2 attempt(s)");
    assertThat(transport.batches).hasSize(2);
  }

  @Test
  void wholeExchangeFailuresOpenTheBreakerPerEventFailuresNever() {
    DeliveryEngine e = start("breaker.minimumNumberOfCalls", "2", "breaker.slidingWindowSize", "2",
        "retry.initialBackoff", "1h", "retry.maxBackoff", "1h");
    transport.script = RetryScheduleEngineTest::poisonFails;
    for (int i = 0; i < 4; i++) {
      offer(e, "poison");
      assertThat(offer(e, "ok" + i).future()).succeedsWithin(PATIENCE);
    }
    await().atMost(PATIENCE).until(() -> e.stats().retries() == 4); // counted once the answer is fully taken
    assertThat(e.stats().breakerState()).isEqualTo("CLOSED");
    transport.script = b -> SendResult.retryAll("http 503 Service Unavailable");
    offer(e, "x1");
    await().atMost(PATIENCE).until(() -> transport.batches.stream().anyMatch(b -> b.contains("x1")));
    offer(e, "x2");
    await().atMost(PATIENCE).until(() -> e.stats().breakerState().equals("OPEN"));
  }
}
