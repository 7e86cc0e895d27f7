package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.ServiceContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flights that tell when they are done ({@link Transport.Flight#whenDone}): the engine takes each answer as soon as
 * it is in, so a slow answer holds only its own slot, and failures, retries, flush and close stay exact.
 */
class OutOfOrderAnswersTest {

  private static final int SLOTS = 4;
  private static final int BATCH = 10;

  /**
   * Answers every batch at once on another thread, except the first, whose answer waits for the test
   * ({@link #releaseFirst}); {@link #cancel()} fails whatever is still unanswered.
   */
  static final class HoldFirstTransport implements Transport {
    final ExecutorService answers = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "test-answers");
      t.setDaemon(true);
      return t;
    });
    final CompletableFuture<SendResult> first = new CompletableFuture<>();
    final AtomicInteger begun = new AtomicInteger();
    final List<String> delivered = new CopyOnWriteArrayList<>();
    volatile Batch firstBatch;

    @Override
    public int maxInFlightBatches() {
      return SLOTS;
    }

    @Override
    public Flight begin(Batch batch) {
      CompletableFuture<SendResult> answer;
      if (firstBatch == null) { // the worker alone begins batches; set before begun counts it, which tests await
        firstBatch = batch;
        answer = first;
      } else {
        answer = CompletableFuture.supplyAsync(() -> {
          batch.events().forEach(e -> delivered.add(e.id()));
          return SendResult.delivered();
        }, answers);
      }
      begun.incrementAndGet();
      return new Flight() {
        @Override
        public SendResult await() throws Exception {
          return answer.get();
        }

        @Override
        public boolean whenDone(Runnable done) {
          answer.whenComplete((r, e) -> done.run());
          return true;
        }
      };
    }

    /** Answers the held first batch with {@code result}. */
    void releaseFirst(SendResult result) {
      if (result.outcome(0) == SendResult.Outcome.DELIVERED) {
        firstBatch.events().forEach(e -> delivered.add(e.id()));
      }
      first.complete(result);
    }

    @Override
    public void cancel() {
      first.completeExceptionally(new java.io.InterruptedIOException("canceled: service closing"));
    }

    @Override
    public void close() {
      answers.shutdownNow();
    }
  }

  private final HoldFirstTransport transport = new HoldFirstTransport();
  private EventService engine;

  @AfterEach
  void tearDown() {
    if (engine != null) {
      engine.close(Duration.ofSeconds(5));
    }
  }

  private EventService start() {
    return start(EngineClock.SYSTEM);
  }

  private EventService start(EngineClock clock) {
    String service = Groups.uniqueService();
    Config config = Config.of("eventServices." + service, Map.of("maxBatchEvents", BATCH, "linger", "0ms",
        "retry.initialBackoff", "1ms", "retry.maxBackoff", "5ms"));
    engine = DeliveryEngine.start(ServiceContext.of(service, config, Map.of()), "held", Map.of(), c -> transport,
        clock);
    return engine;
  }

  /** Real time, but every park lasts until an unpark: a worker that waits where nothing wakes it stays there. */
  private static final EngineClock PARKS_UNTIL_WOKEN = new EngineClock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
      return System.currentTimeMillis();
    }

    @Override
    public void parkNanos(Object blocker, long nanos) {
      java.util.concurrent.locks.LockSupport.parkNanos(blocker, Duration.ofMinutes(1).toNanos());
    }
  };

  @Test
  void anEventOfferedWhileAnAnswerIsOutLeavesInAFreeSlotAtOnce() {
    EventService engine = start(PARKS_UNTIL_WOKEN);
    DeliveryTracker tracker = new DeliveryTracker();
    PipelinedDeliveryTest.offer(engine, tracker, 0, BATCH);
    await("the first batch is in flight").atMost(Duration.ofSeconds(10)).until(() -> transport.begun.get() >= 1);
    int begun = transport.begun.get();
    // The queue is empty, a slot is free, and the worker waits for the held answer: the offer must wake it (not
    // the end of a park that here never ends by itself).
    PipelinedDeliveryTest.offer(engine, tracker, BATCH, 2 * BATCH);
    await("the new events leave in a free slot").atMost(Duration.ofSeconds(10))
        .until(() -> transport.begun.get() > begun);
    assertThat(transport.first).as("while the first answer is still out").isNotDone();
  }

  @Test
  void aHeldAnswerHoldsOnlyItsOwnSlotAndAFailedOneIsRetried() {
    EventService engine = start();
    DeliveryTracker tracker = new DeliveryTracker();
    PipelinedDeliveryTest.offer(engine, tracker, 0, BATCH);
    // At least one: the worker may have begun the first batch before every event of the first offer was in, and the
    // rest of it as a second batch.
    await("the first batch is in flight").atMost(Duration.ofSeconds(10)).until(() -> transport.begun.get() >= 1);
    int total = 100 * BATCH;
    PipelinedDeliveryTest.offer(engine, tracker, BATCH, total);
    tracker.seal();
    int held = transport.firstBatch.size(); // the worker may have begun it before every event of it was offered

    // Far more batches than slots went and were answered while the first one's answer is still out.
    await("every other batch is delivered").atMost(Duration.ofSeconds(10))
        .until(() -> engine.stats().delivered() == total - held);
    assertThat(transport.begun.get()).isGreaterThan(SLOTS * 10);
    assertThat(transport.first).isNotDone();
    assertThat(engine.stats().inFlight()).isEqualTo(held);
    assertThat(engine.flush(Duration.ofMillis(50))).as("flush waits for the held answer").isFalse();

    // The held batch fails: its events are retried, after every later batch, and delivered once.
    transport.releaseFirst(SendResult.retryAll("intake busy"));
    assertThat(engine.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(tracker.future().join().delivered()).isEqualTo(total);
    ServiceStats s = engine.stats();
    assertThat(s.delivered()).isEqualTo(total);
    assertThat(s.retries()).isEqualTo(held);
    assertThat(s.accepted()).isEqualTo(s.accountedFor());
    assertThat(s.queued() + s.inFlight() + s.deadLettered() + s.dropped()).isZero();
    assertThat(transport.delivered).hasSize(total).doesNotHaveDuplicates();
    assertThat(transport.delivered.subList(total - held, total)).as("the retried events land last")
        .containsExactlyInAnyOrderElementsOf(transport.firstBatch.events().stream().map(BatchEvent::id).toList());
  }

  @Test
  void closePastItsDeadlineCancelsTheHeldAnswerAndCountsItsEvents() {
    EventService engine = start();
    DeliveryTracker tracker = new DeliveryTracker();
    PipelinedDeliveryTest.offer(engine, tracker, 0, BATCH);
    // At least one: the worker may have begun the first batch before every event of the first offer was in, and the
    // rest of it as a second batch.
    await("the first batch is in flight").atMost(Duration.ofSeconds(10)).until(() -> transport.begun.get() >= 1);
    PipelinedDeliveryTest.offer(engine, tracker, BATCH, 20 * BATCH);
    int held = transport.firstBatch.size(); // the worker may have begun it before every event of it was offered
    await("every other batch is delivered").atMost(Duration.ofSeconds(10))
        .until(() -> engine.stats().delivered() == 20 * BATCH - held);

    long start = System.nanoTime();
    assertThat(engine.close(Duration.ofSeconds(1))).as("not clean: the held batch never got its answer").isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(transport.first).isCompletedExceptionally();
    ServiceStats s = engine.stats();
    assertThat(s.delivered()).isEqualTo(20 * BATCH - held);
    assertThat(s.dropped()).isEqualTo(held);
    assertThat(s.accepted()).isEqualTo(s.accountedFor());
    assertThat(s.queued() + s.inFlight()).isZero();
  }
}
