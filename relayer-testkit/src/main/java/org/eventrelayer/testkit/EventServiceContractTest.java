package org.eventrelayer.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every event service type must show, run against a real destination the subclass provides (an HTTP
 * server, a Kafka broker) on loopback: exact delivery, a caller that never waits (measured), partial failure (an
 * event the destination refuses amid good ones), close against a destination that does not answer (by its
 * deadline), a restart of the service, queue-full refusals. Each test builds its own group with its own service
 * name and stream, so tests share one destination without seeing each other's events; each has a timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
public abstract class EventServiceContractTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  /** The most a caller may wait in notify, generous for a loaded machine; the network is never waited for. */
  private static final Duration CALLER_BOUND = Duration.ofMillis(250);
  /** Scheduling slack over a close deadline on a loaded machine. */
  private static final Duration CLOSE_SLACK = Duration.ofMillis(250);

  /** For subclasses, one per transport. */
  protected EventServiceContractTest() {}

  /** A real destination on loopback that the contract can inspect, stop and start again at the same address. */
  protected interface Intake {

    /** The {@code eventServices.<name>} entry that reaches this destination, e.g. {@code {type: http, url: ...}}. */
    Map<String, Object> serviceConfig();

    /** The JSON of every event received so far whose {@code meta.stream} is {@code stream}. */
    List<String> received(String stream);

    /** Makes the destination unavailable (refusing or hanging), keeping its address. */
    void stop() throws Exception;

    /** Makes it available again at the same address. */
    void start() throws Exception;

    /**
     * Makes the destination take requests without ever answering (a hung endpoint) until {@link #start()}, where
     * the destination can; otherwise unavailable as {@link #stop()}.
     */
    default void hang() throws Exception {
      stop();
    }

    /**
     * A JSON-object event on {@code stream} that this destination refuses for good (EventGate: one that fails its
     * schema; Kafka: a record over {@code max.request.size}), while it takes events like {@link #validEvent}.
     */
    Map<String, Object> invalidEvent(String stream, String id);
  }

  /** A resource_change event on {@code stream} with {@code meta.id} {@code id}, which every destination takes. */
  protected static Map<String, Object> validEvent(String stream, String id) {
    return EventGateIntake.resourceChange(stream, id);
  }

  /** The destination under test; started once per test class by the subclass. */
  protected abstract Intake intake();

  private final List<EventRelayerGroup> groups = new ArrayList<>();

  @AfterEach
  void closeGroups() {
    groups.forEach(g -> g.close(Duration.ofSeconds(5)));
    groups.clear();
  }

  /** A group with one cdn-purge relayer on a fresh stream, with the engine settings given. */
  protected final Fixture fixture(Map<String, Object> engineSettings) {
    int n = SEQUENCE.incrementAndGet();
    String service = "contract-" + n;
    String stream = "contract-purges-" + n + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    Map<String, Object> serviceConfig = new LinkedHashMap<>(intake().serviceConfig());
    serviceConfig.putAll(engineSettings);
    Map<String, Object> config = Map.of(
        "relayers", Map.of(
            "cdn-url-purges", Map.of("type", "cdn-purge", "stream", stream, "tags", List.of("contract")),
            "raw", Map.of("type", "stream", "stream", stream),
            "default", Map.of("type", "none")),
        "eventServices", Map.of(service, serviceConfig));
    EventRelayerGroup group = EventRelayerGroup.fromMap(config);
    groups.add(group);
    return new Fixture(group, service, stream);
  }

  /** A group under test, its service name and stream. */
  protected record Fixture(EventRelayerGroup group, String service, String stream) {

    /** The purge relayer. */
    public EventRelayer purges() {
      return group.getRelayer("cdn-url-purges");
    }

    /** A relayer that sends events as given, to the same stream and service. */
    public EventRelayer raw() {
      return group.getRelayer("raw");
    }

    /** The service's stats. */
    public ServiceStats stats() {
      return group.serviceStats().get(service);
    }
  }

  /** {@code n} distinct purge events for {@code stream}. */
  protected static List<Map<String, Object>> purges(String stream, int from, int n) {
    return IntStream.range(from, from + n)
        .mapToObj(i -> Map.<String, Object>of("url", "https://en.example.org/wiki/" + stream + "/Page_" + i))
        .collect(Collectors.toList());
  }

  private static Set<String> uris(List<String> events) {
    Set<String> out = new HashSet<>();
    for (String e : events) {
      out.add(tree(e).path("meta").path("uri").asText());
    }
    return out;
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> settings(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** Fast retries and a breaker that opens after two failed batches and probes every 200 ms. */
  protected static Map<String, Object> impatientEngine() {
    return settings("retry.initialBackoff", "10ms", "retry.maxBackoff", "200ms", "retry.maxAttempts", "100000",
        "breaker.minimumNumberOfCalls", "2", "breaker.slidingWindowSize", "4",
        "breaker.waitInOpenState", "200ms", "breaker.maxWaitInOpenState", "500ms");
  }

  @Test
  void deliversEveryPurgeExactlyOnceAsSchemaValidEvents() {
    Fixture f = fixture(settings("maxBatchEvents", "250"));
    int total = 2_000;
    List<RelayResult> results = new ArrayList<>();
    for (int from = 0; from < total; from += 100) {
      RelayResult r = f.purges().notifyMulti("cdn-url-purges", purges(f.stream(), from, 100));
      assertThat(r.refused()).isEmpty();
      assertThat(r.accepted()).isEqualTo(100);
      results.add(r);
    }
    assertThat(f.group().flush(PATIENCE)).isTrue();

    await().atMost(PATIENCE).until(() -> intake().received(f.stream()).size() >= total);
    List<String> received = intake().received(f.stream());
    assertThat(received).hasSize(total);
    Set<String> expected = purges(f.stream(), 0, total).stream()
        .map(m -> (String) m.get("url")).collect(Collectors.toSet());
    assertThat(uris(received)).isEqualTo(expected);
    assertThat(received.stream().map(e -> tree(e).path("meta").path("id").asText()).distinct().count())
        .isEqualTo(total);
    for (String event : received) {
      assertThat(ResourceChangeSchema.problems(event)).as(event).isEmpty();
      JsonNode meta = tree(event).path("meta");
      assertThat(meta.path("stream").asText()).isEqualTo(f.stream());
      assertThat(meta.path("domain").asText()).isEqualTo("en.example.org");
    }
    for (RelayResult r : results) {
      DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();
      assertThat(report.delivered()).isEqualTo(100);
      assertThat(report.allDelivered()).isTrue();
    }
    ServiceStats s = f.stats();
    assertThat(s.delivered()).isEqualTo(total);
    assertThat(s.accepted()).isEqualTo(s.accountedFor());
    assertThat(s.deadLettered() + s.dropped() + s.queued() + s.inFlight()).isZero();
  }

  @Test
  void callerNeverWaitsWhileDestinationIsDownAndEverythingQueuedArrivesAfterRecovery() throws Exception {
    Fixture f = fixture(impatientEngine());
    intake().stop();
    long slowest = 0;
    try {
      for (int i = 0; i < 20; i++) {
        // Returns although the destination cannot answer: the caller's thread only validates and enqueues.
        long t0 = System.nanoTime();
        RelayResult r = f.purges().notifyMulti("cdn-url-purges", purges(f.stream(), i * 10, 10));
        slowest = Math.max(slowest, System.nanoTime() - t0);
        assertThat(r.accepted()).isEqualTo(10);
      }
      await().atMost(PATIENCE).until(() -> f.stats().breakerState().equals("OPEN"));
      assertThat(f.stats().lastError()).isNotBlank();
      assertThat(f.stats().delivered()).isZero();
      // Still returning at once with the breaker open.
      long t0 = System.nanoTime();
      assertThat(f.purges().notifyMulti("cdn-url-purges", purges(f.stream(), 200, 10)).accepted()).isEqualTo(10);
      slowest = Math.max(slowest, System.nanoTime() - t0);
      // A call that waited for the network would take at least a connect or request timeout.
      assertThat(Duration.ofNanos(slowest)).as("slowest notifyMulti of 10 purges").isLessThan(CALLER_BOUND);
      assertThat(f.stats().oldestQueuedAge()).isPositive();
    } finally {
      intake().start();
    }
    await().atMost(PATIENCE).until(() -> f.stats().delivered() == 210);
    await().atMost(PATIENCE).until(() -> intake().received(f.stream()).size() >= 210);
    assertThat(uris(intake().received(f.stream()))).hasSize(210);
    await().atMost(PATIENCE).until(() -> f.stats().breakerState().equals("CLOSED"));
    assertThat(f.stats().deadLettered()).isZero();
  }

  @Test
  void queueFullRefusalsAreExactlyTheEventsThatNeverArrive() throws Exception {
    Fixture f = fixture(settings("queueCapacity", "25", "retry.initialBackoff", "10ms", "retry.maxBackoff", "100ms",
        "retry.maxAttempts", "100000", "breaker.waitInOpenState", "100ms", "breaker.maxWaitInOpenState", "200ms",
        "breaker.minimumNumberOfCalls", "2", "breaker.slidingWindowSize", "2"));
    intake().stop();
    Set<String> accepted = new HashSet<>();
    int refused = 0;
    try {
      for (int i = 0; i < 100; i++) {
        List<Map<String, Object>> one = purges(f.stream(), i, 1);
        RelayResult r = f.purges().notify("cdn-url-purges", one.get(0));
        if (r.accepted() == 1) {
          accepted.add((String) one.get(0).get("url"));
        } else {
          assertThat(r.refused()).singleElement()
              .satisfies(x -> assertThat(x.reason()).isEqualTo(RefusalReason.QUEUE_FULL));
          refused++;
        }
      }
    } finally {
      intake().start();
    }
    assertThat(accepted.size() + refused).isEqualTo(100);
    assertThat(refused).isPositive();
    assertThat(f.stats().refused()).isEqualTo(refused);
    await().atMost(PATIENCE).until(() -> f.stats().delivered() == accepted.size());
    assertThat(f.group().flush(PATIENCE)).isTrue();
    await().atMost(PATIENCE).until(() -> intake().received(f.stream()).size() >= accepted.size());
    assertThat(uris(intake().received(f.stream()))).isEqualTo(accepted);
    assertThat(intake().received(f.stream())).hasSize(accepted.size());
    assertThat(f.group().relayerStats().get("cdn-url-purges").refused())
        .containsEntry(RefusalReason.QUEUE_FULL, (long) refused);
  }

  @Test
  void badInputIsRefusedWithAReasonAndNeverSent() {
    Fixture f = fixture(Map.of());
    List<Map<String, ?>> events = Arrays.asList(
        null,
        Map.of("title", "no url"),
        Map.of("url", "/wiki/Relative"),
        Map.of("url", "ftp://en.example.org/x"),
        Map.of("url", "https://en.example.org/" + "x".repeat(8192)),
        Map.of("url", "https://en.example.org/wiki/Good"));
    RelayResult r = f.purges().notifyMulti("cdn-url-purges", events);
    assertThat(r.accepted()).isEqualTo(1);
    assertThat(r.refused()).extracting(x -> x.index() + ":" + x.reason())
        .containsExactly("0:invalid-event", "1:missing-url", "2:invalid-url", "3:invalid-url", "4:url-too-long");
    assertThat(f.purges().notify(" ", Map.of("url", "https://en.example.org/")).refused())
        .singleElement().satisfies(x -> assertThat(x.reason()).isEqualTo(RefusalReason.INVALID_CHANNEL));
    assertThat(f.group().flush(PATIENCE)).isTrue();
    await().atMost(PATIENCE).until(() -> !intake().received(f.stream()).isEmpty());
    assertThat(f.stats().delivered()).isEqualTo(1);
    assertThat(uris(intake().received(f.stream()))).containsExactly("https://en.example.org/wiki/Good");
  }

  @Test
  void closeDrainsWhatIsQueuedAndLeavesNoThreadBehind() {
    Fixture f = fixture(Map.of());
    RelayResult r = f.purges().notifyMulti("cdn-url-purges", purges(f.stream(), 0, 300));
    assertThat(r.accepted()).isEqualTo(300);
    assertThat(f.group().close(PATIENCE)).isTrue();
    await().atMost(PATIENCE).until(() -> intake().received(f.stream()).size() >= 300);
    assertThat(intake().received(f.stream())).hasSize(300);
    assertThat(f.stats().delivered()).isEqualTo(300);
    // A pool's worker is counted gone a moment before its thread has ended: wait for that moment, not longer.
    await().atMost(PATIENCE).until(() -> liveThreadsOf(f.service()).isEmpty());
    assertThat(f.purges().notify("cdn-url-purges", Map.of("url", "https://en.example.org/late")).refused())
        .singleElement().satisfies(x -> assertThat(x.reason()).isEqualTo(RefusalReason.CLOSED));
  }

  @Test
  void anEventTheDestinationRefusesIsDeadLetteredAndItsNeighboursDelivered() {
    Fixture f = fixture(Map.of("linger", "50ms"));
    String bad = "bad-" + f.stream();
    List<Map<String, ?>> events = List.of(validEvent(f.stream(), "good-1-" + f.stream()),
        intake().invalidEvent(f.stream(), bad), validEvent(f.stream(), "good-2-" + f.stream()));
    RelayResult r = f.raw().notifyMulti("raw", events);
    assertThat(r.accepted()).isEqualTo(3);
    DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(report.delivered()).isEqualTo(2);
    assertThat(report.deadLettered()).isEqualTo(1);
    await().atMost(PATIENCE).until(() -> intake().received(f.stream()).size() >= 2);
    assertThat(intake().received(f.stream()).stream().map(e -> tree(e).path("meta").path("id").asText()))
        .containsExactlyInAnyOrder("good-1-" + f.stream(), "good-2-" + f.stream()).doesNotContain(bad);
    ServiceStats s = f.stats();
    assertThat(s.delivered()).isEqualTo(2);
    assertThat(s.deadLettered()).isEqualTo(1);
    assertThat(s.retries()).isZero();
    assertThat(s.breakerState()).isEqualTo("CLOSED");
  }

  @Test
  void closeAgainstADestinationThatDoesNotAnswerReturnsByItsDeadline() throws Exception {
    Fixture f = fixture(Map.of());
    intake().hang();
    try {
      RelayResult r = f.purges().notifyMulti("cdn-url-purges", purges(f.stream(), 0, 100));
      assertThat(r.accepted()).isEqualTo(100);
      long t0 = System.nanoTime();
      boolean clean = f.group().close(Duration.ofSeconds(1));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(clean).isFalse();
      assertThat(took).as("close(1s)").isLessThan(Duration.ofSeconds(1).plus(CLOSE_SLACK));
      // Nothing vanished: every accepted event ends counted, once the worker has let go of the transport.
      await().atMost(PATIENCE).until(() -> f.stats().queued() + f.stats().inFlight() == 0);
      ServiceStats s = f.stats();
      assertThat(s.accountedFor()).isEqualTo(s.accepted()).isEqualTo(100);
      assertThat(s.dropped() + s.deadLettered()).isPositive();
      await().atMost(PATIENCE).until(() -> liveThreadsOf(f.service()).isEmpty());
    } finally {
      intake().start();
    }
  }

  @Test
  void aServiceStartedAgainOnTheSameStreamDeliversWhatItIsGiven() {
    Fixture first = fixture(Map.of());
    assertThat(first.purges().notifyMulti("cdn-url-purges", purges(first.stream(), 0, 50)).accepted())
        .isEqualTo(50);
    assertThat(first.group().close(PATIENCE)).isTrue();
    // A pool's worker is counted gone a moment before its thread has ended: wait for that moment, not longer.
    await().atMost(PATIENCE).until(() -> liveThreadsOf(first.service()).isEmpty());
    // The same service name and stream, built again: a host restart.
    EventRelayerGroup again = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(
            "cdn-url-purges", Map.of("type", "cdn-purge", "stream", first.stream(), "tags", List.of("contract")),
            "default", Map.of("type", "none")),
        "eventServices", Map.of(first.service(), new LinkedHashMap<>(intake().serviceConfig()))));
    groups.add(again);
    Fixture second = new Fixture(again, first.service(), first.stream());
    RelayResult r = second.purges().notifyMulti("cdn-url-purges", purges(first.stream(), 50, 50));
    assertThat(r.awaitDelivery(PATIENCE).orElseThrow().delivered()).isEqualTo(50);
    await().atMost(PATIENCE).until(() -> intake().received(first.stream()).size() >= 100);
    assertThat(uris(intake().received(first.stream()))).hasSize(100);
    assertThat(intake().received(first.stream())).hasSize(100);
    assertThat(second.stats().accepted()).isEqualTo(50);
  }

  /** Threads whose name mentions the service: the engine's worker and anything the transport started for it. */
  protected static List<String> liveThreadsOf(String service) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.contains("eventrelayer-" + service + "-"))
        .toList();
  }
}
