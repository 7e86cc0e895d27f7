package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.ServiceContext;
import org.eventrelayer.spi.Config;
import org.junit.jupiter.api.Test;

/**
 * A transport that overlaps batches (as Kafka's does) and cannot tell when a flight is done: the engine keeps
 * several in flight, takes their answers in order, and still accounts for every event exactly, through failures and
 * retries. ({@link OutOfOrderAnswersTest}: flights that tell.)
 */
class PipelinedDeliveryTest {

  /** Answers each batch a little later, on another thread; every third batch fails, every fifth partly. */
  static final class AsyncTransport implements Transport {
    final ScheduledExecutorService acks = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "test-acks");
      t.setDaemon(true);
      return t;
    });
    final AtomicInteger begun = new AtomicInteger();
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger maxOutstanding = new AtomicInteger();
    final List<String> delivered = new CopyOnWriteArrayList<>();

    @Override
    public int maxInFlightBatches() {
      return 4;
    }

    @Override
    public Flight begin(Batch batch) {
      int n = begun.incrementAndGet();
      maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
      CompletableFuture<SendResult> answer = new CompletableFuture<>();
      acks.schedule(() -> {
        SendResult r;
        if (n % 3 == 0) {
          r = SendResult.retryAll("broker busy");
        } else if (n % 5 == 0) {
          r = SendResult.builder(batch.size()).retry(0, "not enough replicas").build();
        } else {
          r = SendResult.delivered();
        }
        for (int i = 0; i < batch.size(); i++) {
          if (r.outcome(i) == SendResult.Outcome.DELIVERED) {
            delivered.add(batch.events().get(i).id());
          }
        }
        outstanding.decrementAndGet();
        answer.complete(r);
      }, 2, TimeUnit.MILLISECONDS);
      return () -> answer.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      acks.shutdownNow();
    }
  }


  /** Offers events {@code e<from>} to {@code e<to - 1>}, each tracked by {@code tracker}; none may be refused. */
  static void offer(EventService engine, org.eventrelayer.spi.DeliveryTracker tracker, int from, int to) {
    for (int i = from; i < to; i++) {
      int id = i;
      tracker.expect();
      assertThat(engine.offer(new org.eventrelayer.spi.PendingEvent("s", tracker) {
        @Override
        public Map<String, Object> build() {
          return Map.of("meta", Map.of("id", "e" + id, "stream", "s"));
        }

        @Override
        public int sizeHint() {
          return 64;
        }
      })).isNull();
    }
  }

  @Test
  void severalBatchesFlyAtOnceAndEveryEventIsAccountedForOnce() {
    String service = Groups.uniqueService();
    AsyncTransport transport = new AsyncTransport();
    Config config = Config.of("eventServices." + service, Map.of("maxBatchEvents", 50, "linger", "0ms",
        "retry.initialBackoff", "1ms", "retry.maxBackoff", "5ms", "retry.maxAttempts", 1000,
        "breaker.failureRateThreshold", 100));
    ServiceContext context = ServiceContext.of(service, config, Map.of());
    EventService engine = DeliveryEngine.start(context, "async", c -> transport);
    try {
      org.eventrelayer.spi.DeliveryTracker tracker = new org.eventrelayer.spi.DeliveryTracker();
      int total = 5_000;
      offer(engine, tracker, 0, total);
      tracker.seal();
      assertThat(engine.flush(Duration.ofSeconds(60))).isTrue();
      assertThat(tracker.future()).isCompleted();
      assertThat(tracker.future().join().delivered()).isEqualTo(total);
      ServiceStats s = engine.stats();
      assertThat(s.delivered()).isEqualTo(total);
      assertThat(s.accepted()).isEqualTo(s.accountedFor());
      assertThat(s.queued() + s.inFlight() + s.deadLettered() + s.dropped()).isZero();
      assertThat(s.retries()).isPositive();
      assertThat(transport.delivered).hasSize(total).doesNotHaveDuplicates();
      assertThat(transport.maxOutstanding.get()).isBetween(2, 4); // overlapped, never more than allowed
    } finally {
      engine.close(Duration.ofSeconds(5));
    }
  }
}
