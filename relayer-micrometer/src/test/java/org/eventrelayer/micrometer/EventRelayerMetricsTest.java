package org.eventrelayer.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventRelayerMetricsTest {

  private static final String CHANNEL = "cdn-url-purges";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final List<EventRelayerGroup> groups = new ArrayList<>();
  private TestIntake intake;

  @BeforeEach
  void startIntake() throws Exception {
    intake = new TestIntake();
  }

  @AfterEach
  void stop() {
    groups.forEach(g -> g.close(Duration.ofSeconds(5)));
    intake.close();
  }

  @Test
  void bindsEveryServiceAndRelayerMeterWithItsTags() {
    EventRelayerGroup group = group(Map.of());
    new EventRelayerMetrics(group, Tags.of("app", "wiki")).bindTo(registry);

    Tags service = Tags.of("service", "eventgate", "type", "http", "app", "wiki");
    for (String gauge : List.of("eventrelayer.queue.events", "eventrelayer.queue.bytes", "eventrelayer.inflight")) {
      assertThat(registry.find(gauge).tags(service).gauge()).as(gauge).isNotNull();
    }
    for (String counter : List.of("eventrelayer.events.accepted", "eventrelayer.events.refused",
        "eventrelayer.events.delivered", "eventrelayer.events.dead.lettered", "eventrelayer.events.dropped",
        "eventrelayer.events.retries", "eventrelayer.batches")) {
      assertThat(registry.find(counter).tags(service).functionCounter()).as(counter).isNotNull();
    }
    assertThat(registry.find("eventrelayer.spool.events").tags(service).gauge()).isNotNull();
    assertThat(registry.find("eventrelayer.queue.bytes").gauge().getId().getBaseUnit()).isEqualTo("bytes");
    assertThat(registry.find("eventrelayer.queue.oldest.age").tags(service).gauge())
        .satisfies(g -> assertThat(g.getId().getBaseUnit()).isEqualTo("seconds"))
        .satisfies(g -> assertThat(g.value()).isZero()); // nothing queued

    assertThat(registry.find("eventrelayer.breaker.state").tags(service).gauges())
        .extracting(g -> g.getId().getTag("state"))
        .containsExactlyInAnyOrderElementsOf(EventRelayerMetrics.BREAKER_STATES);
    assertThat(breaker("closed")).isEqualTo(1);
    assertThat(breaker("open")).isZero();

    assertThat(registry.find("eventrelayer.relayer.accepted").functionCounters())
        .extracting(c -> c.getId().getTag("relayer") + "/" + c.getId().getTag("type"))
        .containsExactlyInAnyOrder("cdn-url-purges/cdn-purge", "default/null");
    assertThat(registry.find("eventrelayer.relayer.refused").tags("relayer", CHANNEL).functionCounters())
        .extracting(c -> c.getId().getTag("reason"))
        .containsExactlyInAnyOrderElementsOf(
            Set.of(RefusalReason.values()).stream().map(RefusalReason::code).collect(Collectors.toSet()));
    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag("app")).isEqualTo("wiki"));
    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getDescription()).isNotBlank());
  }

  @Test
  void countersMoveAsEventsAreDeliveredAndRefused() {
    EventRelayerGroup group = group(Map.of());
    new EventRelayerMetrics(group).bindTo(registry);
    EventRelayer relayer = group.getRelayer(CHANNEL);

    List<Map<String, Object>> events = urls(20);
    events.add(Map.of("url", "/relative/url"));
    events.add(Map.of("timestamp", 1));
    assertThat(relayer.notifyMulti(CHANNEL, events).accepted()).isEqualTo(20);
    assertThat(group.flush(WAIT)).isTrue();

    assertThat(counter("eventrelayer.events.accepted")).isEqualTo(20);
    assertThat(counter("eventrelayer.events.delivered")).isEqualTo(20);
    assertThat(counter("eventrelayer.batches")).isPositive();
    assertThat(counter("eventrelayer.events.dead.lettered")).isZero();
    assertThat(counter("eventrelayer.events.dropped")).isZero();
    assertThat(gauge("eventrelayer.queue.events")).isZero();
    assertThat(gauge("eventrelayer.inflight")).isZero();
    assertThat(relayerCounter("eventrelayer.relayer.accepted", CHANNEL, null)).isEqualTo(20);
    assertThat(relayerCounter("eventrelayer.relayer.refused", CHANNEL, RefusalReason.INVALID_URL)).isEqualTo(1);
    assertThat(relayerCounter("eventrelayer.relayer.refused", CHANNEL, RefusalReason.MISSING_URL)).isEqualTo(1);
    assertThat(relayerCounter("eventrelayer.relayer.refused", CHANNEL, RefusalReason.QUEUE_FULL)).isZero();

    relayer.notifyMulti(CHANNEL, urls(5));
    assertThat(group.flush(WAIT)).isTrue();
    assertThat(counter("eventrelayer.events.delivered")).as("read again at each poll").isEqualTo(25);
    io.micrometer.core.instrument.Timer sends =
        registry.find("eventrelayer.send").tag("outcome", "success").timer();
    assertThat(sends).isNotNull();
    assertThat(sends.count()).isEqualTo((long) counter("eventrelayer.batches"));
    assertThat(sends.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
    assertThat(registry.find("eventrelayer.send").tag("outcome", "failure").timer().count()).isZero();
  }

  @Test
  void deadLettersRetriesAndTheBreakerShowUp() {
    EventRelayerGroup group = group(Map.of(
        "retry.initialBackoff", "10ms", "retry.maxBackoff", "50ms",
        "breaker.slidingWindowSize", "4", "breaker.minimumNumberOfCalls", "2",
        "breaker.waitInOpenState", "100ms", "breaker.maxWaitInOpenState", "200ms"));
    new EventRelayerMetrics(group).bindTo(registry);
    EventRelayer relayer = group.getRelayer(CHANNEL);

    intake.mode(TestIntake.Mode.INVALID);
    relayer.notifyMulti(CHANNEL, urls(3));
    assertThat(group.flush(WAIT)).isTrue();
    assertThat(counter("eventrelayer.events.dead.lettered")).isEqualTo(3);
    assertThat(counter("eventrelayer.events.delivered")).isZero();

    intake.mode(TestIntake.Mode.ERROR);
    relayer.notifyMulti(CHANNEL, urls(4));
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(breaker("open")).isEqualTo(1);
      assertThat(breaker("closed")).isZero();
    });
    assertThat(counter("eventrelayer.events.retries")).isPositive();
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(gauge("eventrelayer.queue.events") + gauge("eventrelayer.inflight")).isEqualTo(4));
    assertThat(gauge("eventrelayer.queue.bytes")).isPositive();

    intake.mode(TestIntake.Mode.ACCEPT);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(counter("eventrelayer.events.delivered")).isEqualTo(4);
      assertThat(breaker("closed")).isEqualTo(1);
    });
    assertThat(gauge("eventrelayer.queue.events")).isZero();
    assertThat(counter("eventrelayer.events.accepted")).isEqualTo(7);
  }

  @Test
  void queueFullRefusalsCountOnTheServiceAndByReasonOnTheRelayer() {
    // A long linger keeps the worker waiting for a fuller batch, so the queue's 10 places fill up.
    EventRelayerGroup group = group(Map.of("queueCapacity", "10", "linger", "1m"));
    new EventRelayerMetrics(group).bindTo(registry);

    assertThat(group.getRelayer(CHANNEL).notifyMulti(CHANNEL, urls(25)).accepted()).isEqualTo(10);

    assertThat(gauge("eventrelayer.queue.events")).isEqualTo(10);
    assertThat(counter("eventrelayer.events.accepted")).isEqualTo(10);
    assertThat(counter("eventrelayer.events.refused")).isEqualTo(15);
    assertThat(relayerCounter("eventrelayer.relayer.refused", CHANNEL, RefusalReason.QUEUE_FULL)).isEqualTo(15);
    assertThat(relayerCounter("eventrelayer.relayer.accepted", CHANNEL, null)).isEqualTo(10);

    group.close(WAIT);
    assertThat(counter("eventrelayer.events.delivered")).as("close drains the queue").isEqualTo(10);
    assertThat(gauge("eventrelayer.queue.events")).as("a closed group keeps its last values").isZero();
  }

  @Test
  void closeRemovesTheMetersFromEveryRegistry() {
    EventRelayerGroup group = group(Map.of());
    MeterRegistry other = new SimpleMeterRegistry();
    EventRelayerMetrics metrics = new EventRelayerMetrics(group);
    metrics.bindTo(registry);
    metrics.bindTo(other);
    assertThat(registry.getMeters()).isNotEmpty();
    assertThat(other.getMeters()).hasSameSizeAs(registry.getMeters());

    metrics.close();
    metrics.close();
    assertThat(registry.getMeters()).isEmpty();
    assertThat(other.getMeters()).isEmpty();

    // A group rebuilt under the same names can then be bound in its place.
    EventRelayerGroup rebuilt = group(Map.of());
    new EventRelayerMetrics(rebuilt).bindTo(registry);
    rebuilt.getRelayer(CHANNEL).notifyMulti(CHANNEL, urls(2));
    assertThat(rebuilt.flush(WAIT)).isTrue();
    assertThat(counter("eventrelayer.events.delivered")).isEqualTo(2);
  }

  @Test
  void aGroupWithoutServicesHasOnlyRelayerMeters() {
    EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of("relayers", Map.of("default", Map.of("type", "null"))));
    groups.add(group);
    new EventRelayerMetrics(group).bindTo(registry);
    group.getRelayer("anything").notify("anything", Map.of("k", "v"));

    assertThat(registry.getMeters()).map(Meter::getId).allSatisfy(id -> assertThat(id.getName())
        .startsWith("eventrelayer.relayer."));
    assertThat(relayerCounter("eventrelayer.relayer.accepted", "default", null)).isEqualTo(1);
  }

  @Test
  void refusesNulls() {
    assertThatThrownBy(() -> new EventRelayerMetrics(null)).isInstanceOf(NullPointerException.class);
    EventRelayerGroup group = group(Map.of());
    assertThatThrownBy(() -> new EventRelayerMetrics(group).bindTo(null)).isInstanceOf(NullPointerException.class);
  }

  // ---------------------------------------------------------------------------------------------------------

  private EventRelayerGroup group(Map<String, String> engineKeys) {
    Map<String, Object> service = new HashMap<>(engineKeys);
    service.put("type", "http");
    service.put("url", intake.url());
    service.putIfAbsent("linger", "1ms");
    EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(
            CHANNEL, Map.of("type", "cdn-purge", "stream", "resource-purge"),
            "default", Map.of("type", "null")),
        "eventServices", Map.of("eventgate", service)));
    groups.add(group);
    return group;
  }

  private static List<Map<String, Object>> urls(int n) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Map.of("url", "https://example.org/wiki/Page_" + System.nanoTime() + "_" + i));
    }
    return out;
  }

  private double counter(String name) {
    FunctionCounter c = registry.find(name).tags("service", "eventgate").functionCounter();
    assertThat(c).as(name).isNotNull();
    return c.count();
  }

  private double gauge(String name) {
    Gauge g = registry.find(name).tags("service", "eventgate").gauge();
    assertThat(g).as(name).isNotNull();
    return g.value();
  }

  private double breaker(String state) {
    return registry.find("eventrelayer.breaker.state").tags("service", "eventgate", "state", state).gauge().value();
  }

  private double relayerCounter(String name, String relayer, RefusalReason reason) {
    var search = registry.find(name).tags("relayer", relayer);
    if (reason != null) {
      search = search.tags("reason", reason.code());
    }
    FunctionCounter c = search.functionCounter();
    assertThat(c).as(name + " " + relayer + " " + reason).isNotNull();
    return c.count();
  }
}
