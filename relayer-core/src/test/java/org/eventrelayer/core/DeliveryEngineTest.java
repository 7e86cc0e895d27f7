package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's own behaviour, driven exactly through a scripted transport: batching, outcomes, retry, circuit
 * breaker, flush, close and accounting. The transports' tests repeat the essentials against real servers.
 */
class DeliveryEngineTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private final List<EventRelayerGroup> groups = new ArrayList<>();
  private final String service = Groups.uniqueService();

  @AfterEach
  void close() {
    groups.forEach(g -> g.close(Duration.ofSeconds(2)));
  }

  private EventRelayerGroup group(Map<String, Object> engine) {
    EventRelayerGroup g = Groups.purgeGroup(service, Map.of(), engine);
    groups.add(g);
    return g;
  }

  private ScriptedTransport transport() {
    return ScriptedTransport.of(service);
  }

  private ServiceStats stats(EventRelayerGroup g) {
    return g.serviceStats().get(service);
  }

  @Test
  void batchesStayWithinMaxBatchEventsAndMaxBatchBytes() {
    EventRelayerGroup g = group(Map.of("maxBatchEvents", 40, "maxBatchBytes", "8KiB", "linger", "50ms"));
    EventRelayer r = g.getRelayer("cdn-url-purges");
    for (int i = 0; i < 10; i++) {
      assertThat(r.notifyMulti("cdn-url-purges", Groups.urls(i * 100, 100)).accepted()).isEqualTo(100);
    }
    assertThat(g.flush(PATIENCE)).isTrue();
    assertThat(transport().events()).hasSize(1000);
    assertThat(transport().batches).allSatisfy(b -> {
      assertThat(b.size()).isBetween(1, 40);
      assertThat(b.jsonArrayBytes()).isLessThanOrEqualTo(8192);
      long exact = 1 + b.size() + b.events().stream().mapToLong(e -> e.json().length).sum();
      assertThat(b.jsonArrayBytes()).isEqualTo(exact);
    });
    assertThat(transport().batches.stream().mapToLong(Batch::jsonArrayBytes).max().orElseThrow())
        .isGreaterThan(4096); // batches are filled, not sent one event at a time
  }

  @Test
  void invalidEventsAreDeadLetteredOnceAndTheRestDelivered() {
    RecordingDeadLetters.LETTERS.clear();
    EventRelayerGroup g = group(Map.of("deadLetterHandler", RecordingDeadLetters.class.getName(),
        "linger", "20ms"));
    transport().script = b -> SendResult.builder(b.size())
        .invalid(1, "'meta.dt' is a required property").build();
    RelayResult result = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", Groups.urls(0, 5));
    DeliveryReport report = result.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(report.delivered()).isEqualTo(4);
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(report.firstFailure()).contains("meta.dt");
    assertThat(transport().sends.get()).isEqualTo(1); // never retried
    assertThat(RecordingDeadLetters.LETTERS).singleElement().satisfies(l -> {
      assertThat(l.service()).isEqualTo(service);
      assertThat(l.reason()).startsWith("invalid: ");
      assertThat(l.json()).contains("Page_1");
      assertThat(l.attempts()).isEqualTo(1);
    });
    ServiceStats s = stats(g);
    assertThat(s.delivered()).isEqualTo(4);
    assertThat(s.deadLettered()).isEqualTo(1);
    assertThat(s.breakerState()).isEqualTo("CLOSED");
  }

  @Test
  void retryableEventsAreResentAloneUntilDelivered() {
    EventRelayerGroup g = group(Map.of("retry.initialBackoff", "1ms", "retry.maxBackoff", "5ms", "linger", "20ms"));
    AtomicInteger call = new AtomicInteger();
    transport().script = b -> call.incrementAndGet() == 1
        ? SendResult.builder(b.size()).retry(0, "error: timeout").retry(3, "error: timeout").build()
        : SendResult.delivered();
    RelayResult result = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", Groups.urls(0, 5));
    assertThat(result.awaitDelivery(PATIENCE).orElseThrow().delivered()).isEqualTo(5);
    assertThat(transport().batches).hasSize(2);
    assertThat(transport().batches.get(1).size()).isEqualTo(2);
    assertThat(transport().batches.get(1).attempt()).isEqualTo(2);
    assertThat(transport().batches.get(1).events()).extracting(BatchEvent::id)
        .containsExactly(transport().batches.get(0).events().get(0).id(),
            transport().batches.get(0).events().get(3).id());
    ServiceStats s = stats(g);
    assertThat(s.retries()).isEqualTo(2);
    assertThat(s.delivered()).isEqualTo(5);
    assertThat(s.accepted()).isEqualTo(s.accountedFor());
  }

  @Test
  void eventsOutOfRetriesAreDeadLetteredWithTheCause() {
    EventRelayerGroup g = group(Map.of("retry.initialBackoff", "1ms", "retry.maxBackoff", "2ms",
        "retry.maxAttempts", 3, "breaker.minimumNumberOfCalls", 10, "breaker.slidingWindowSize", 10));
    transport().script = b -> {
      throw new IllegalStateException("connection refused");
    };
    RelayResult result = g.getRelayer("cdn-url-purges").notify("cdn-url-purges", Groups.urls(0, 1).get(0));
    DeliveryReport report = result.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(report.firstFailure()).contains("retries exhausted after 3 attempt(s)").contains("connection refused");
    assertThat(transport().sends.get()).isEqualTo(3);
    assertThat(stats(g).lastError()).contains("connection refused");
  }

  @Test
  void breakerOpensAfterFailuresAndNothingIsSentWhileItIsOpen() {
    EventRelayerGroup g = group(Map.of("retry.initialBackoff", "1ms", "retry.maxBackoff", "2ms",
        "breaker.minimumNumberOfCalls", 3, "breaker.slidingWindowSize", 3, "breaker.waitInOpenState", "1h",
        "breaker.maxWaitInOpenState", "1h"));
    transport().script = b -> SendResult.retryAll("http 503 Service Unavailable");
    EventRelayer r = g.getRelayer("cdn-url-purges");
    r.notifyMulti("cdn-url-purges", Groups.urls(0, 10));
    await().atMost(PATIENCE).until(() -> stats(g).breakerState().equals("OPEN"));
    int sendsWhenOpened = transport().sends.get();
    assertThat(sendsWhenOpened).isEqualTo(3);
    RelayResult later = r.notifyMulti("cdn-url-purges", Groups.urls(10, 10));
    assertThat(later.accepted()).isEqualTo(10);
    assertThat(g.flush(Duration.ofMillis(300))).isFalse();
    assertThat(transport().sends.get()).isEqualTo(sendsWhenOpened);
    assertThat(stats(g).queued()).isEqualTo(20);
    assertThat(stats(g).lastError()).isEqualTo("http 503 Service Unavailable");
  }

  @Test
  void breakerRecoversThroughAHalfOpenProbeAndDeliversTheBacklog() {
    EventRelayerGroup g = group(Map.of("retry.initialBackoff", "1ms", "retry.maxBackoff", "20ms",
        "breaker.minimumNumberOfCalls", 2, "breaker.slidingWindowSize", 2, "breaker.waitInOpenState", "50ms",
        "breaker.maxWaitInOpenState", "100ms"));
    AtomicBoolean up = new AtomicBoolean(false);
    transport().script = b -> up.get() ? SendResult.delivered() : SendResult.retryAll("down");
    EventRelayer r = g.getRelayer("cdn-url-purges");
    r.notifyMulti("cdn-url-purges", Groups.urls(0, 50));
    await().atMost(PATIENCE).until(() -> stats(g).breakerState().equals("OPEN"));
    r.notifyMulti("cdn-url-purges", Groups.urls(50, 50));
    up.set(true);
    assertThat(g.flush(PATIENCE)).isTrue();
    ServiceStats s = stats(g);
    assertThat(s.delivered()).isEqualTo(100);
    assertThat(s.breakerState()).isEqualTo("CLOSED");
    assertThat(s.deadLettered()).isZero();
  }

  @Test
  void refusesAtOnceWhenTheQueueIsFullAndCountsIt() {
    EventRelayerGroup g = group(Map.of("queueCapacity", 10));
    CountDownLatch hang = new CountDownLatch(1);
    transport().hang = hang;
    EventRelayer r = g.getRelayer("cdn-url-purges");
    r.notify("cdn-url-purges", Groups.urls(0, 1).get(0));
    await().atMost(PATIENCE).until(() -> transport().sends.get() == 1); // the worker is now stuck in send
    RelayResult result = r.notifyMulti("cdn-url-purges", Groups.urls(1, 30));
    assertThat(result.accepted()).isEqualTo(9); // 10 held at most: 1 in flight + 9 queued
    assertThat(result.refused()).hasSize(21).allSatisfy(x -> {
      assertThat(x.reason()).isEqualTo(RefusalReason.QUEUE_FULL);
      assertThat(x.detail()).contains(service).contains("10 events");
    });
    assertThat(result.refused().get(0).index()).isEqualTo(9);
    assertThat(stats(g).refused()).isEqualTo(21);
    assertThat(stats(g).inFlight()).isEqualTo(1);
    assertThat(stats(g).queued()).isEqualTo(9);
  }

  @Test
  void refusesAnEventThatCouldNeverFitABatch() {
    EventRelayerGroup g = group(Map.of("maxBatchBytes", "1KiB"));
    RelayResult result = g.getRelayer("cdn-url-purges")
        .notify("cdn-url-purges", Map.of("url", "https://en.example.org/" + "a".repeat(800)));
    assertThat(result.refused()).singleElement()
        .satisfies(x -> assertThat(x.reason()).isEqualTo(RefusalReason.EVENT_TOO_LARGE));
    assertThat(stats(g).accepted()).isZero();
  }

  @Test
  void closeWithAHungEndpointReturnsByItsDeadlineDropsAndCountsTheRestAndStopsTheWorker() {
    EventRelayerGroup g = group(Map.of());
    transport().hang = new CountDownLatch(1);
    RelayResult result = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", Groups.urls(0, 20));
    await().atMost(PATIENCE).until(() -> transport().sends.get() == 1);
    g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", Groups.urls(20, 5));

    assertThat(g.close(Duration.ofMillis(500))).isFalse();

    assertThat(transport().cancelled).isTrue();
    assertThat(transport().closed).isTrue();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
        t -> t.isAlive() && t.getName().startsWith("eventrelayer-" + service + "-"));
    ServiceStats s = stats(g);
    assertThat(s.dropped()).isEqualTo(25);
    assertThat(s.accepted()).isEqualTo(25).isEqualTo(s.accountedFor());
    DeliveryReport report = result.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(report.dropped()).isEqualTo(20);
    assertThat(report.firstFailure()).contains("closed");
  }

  @Test
  void flushWaitsOnlyForEventsAcceptedBeforeIt() {
    EventRelayerGroup g = group(Map.of("linger", "0ms"));
    EventRelayer r = g.getRelayer("cdn-url-purges");
    r.notifyMulti("cdn-url-purges", Groups.urls(0, 100));
    assertThat(r.flush(PATIENCE)).isTrue();
    assertThat(stats(g).delivered()).isEqualTo(100);
    // With the endpoint now stuck, a flush cannot complete and says so.
    transport().hang = new CountDownLatch(1);
    r.notify("cdn-url-purges", Groups.urls(100, 1).get(0));
    assertThat(r.flush(Duration.ofMillis(100))).isFalse();
  }

  @Test
  void accountingStaysExactUnderConcurrentCallersAndAFlappingEndpoint() throws Exception {
    EventRelayerGroup g = group(Map.of("queueCapacity", 20_000, "maxBatchEvents", 50, "retry.initialBackoff", "1ms",
        "retry.maxBackoff", "5ms", "retry.maxAttempts", 4, "breaker.waitInOpenState", "5ms",
        "breaker.maxWaitInOpenState", "10ms"));
    transport().script = b -> {
      int dice = ThreadLocalRandom.current().nextInt(10);
      if (dice < 3) {
        throw new IllegalStateException("reset");
      }
      if (dice < 5) {
        SendResult.Builder sb = SendResult.builder(b.size());
        for (int i = 0; i < b.size(); i += 3) {
          sb.retry(i, "error");
        }
        if (b.size() > 1) {
          sb.invalid(1, "invalid");
        }
        return sb.build();
      }
      return SendResult.delivered();
    };
    EventRelayer r = g.getRelayer("cdn-url-purges");
    AtomicLong accepted = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int base = t * 1_000_000;
      Thread th = new Thread(() -> {
        for (int i = 0; i < 200; i++) {
          RelayResult res = r.notifyMulti("cdn-url-purges", Groups.urls(base + i * 20, 20));
          accepted.addAndGet(res.accepted());
          refused.addAndGet(res.refused().size());
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertThat(accepted.get() + refused.get()).isEqualTo(16_000);
    assertThat(g.flush(PATIENCE)).isTrue();
    ServiceStats s = stats(g);
    assertThat(s.accepted()).isEqualTo(accepted.get());
    assertThat(s.refused()).isEqualTo(refused.get());
    assertThat(s.queued() + s.inFlight() + s.dropped()).as(s.toString()).isZero();
    assertThat(s.delivered() + s.deadLettered()).isEqualTo(accepted.get());
    long deliveredInBatches = transport().batches.size(); // every batch was answered, none lost
    assertThat(deliveredInBatches).isEqualTo(s.batches());
  }

  @Test
  void theWorkerSurvivesATransportThatThrowsErrors() {
    EventRelayerGroup g = group(Map.of("retry.initialBackoff", "1ms", "retry.maxBackoff", "2ms"));
    AtomicInteger call = new AtomicInteger();
    transport().script = b -> {
      if (call.incrementAndGet() == 1) {
        throw new AssertionError("transport bug");
      }
      return SendResult.delivered();
    };
    RelayResult result = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", Groups.urls(0, 3));
    assertThat(result.awaitDelivery(PATIENCE).orElseThrow().delivered()).isEqualTo(3);
    assertThat(stats(g).retries()).isEqualTo(3);
  }
}
