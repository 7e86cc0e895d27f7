package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.testkit.EventGateIntake;
import org.eventrelayer.testkit.ResourceChangeSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole path — group, cdn-purge relayer, delivery engine, HTTP transport — against the test kit's EventGate on
 * loopback: volume, a stuck intake, a 5xx storm, a full queue, and close on a hung intake.
 */
@Timeout(180)
class HttpDeliveryTest {

  private static final String CHANNEL = "cdn-url-purges";
  private static final String STREAM = "resource-purge";
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private EventGateIntake gate;
  private final List<EventRelayerGroup> groups = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    gate = EventGateIntake.start();
  }

  @AfterEach
  void stop() {
    gate.release();
    groups.forEach(g -> g.close(Duration.ofSeconds(5)));
    gate.close();
  }

  private EventRelayerGroup group(Map<String, Object> service) {
    Map<String, Object> config = Map.of(
        "relayers", Map.of(
            CHANNEL, Map.of("type", "cdn-purge", "stream", STREAM, "domain", "en.example.org",
                "tags", List.of("mediawiki")),
            "default", Map.of("type", "none")),
        "eventServices", Map.of("eventgate", service));
    EventRelayerGroup group = EventRelayerGroup.fromMap(config);
    groups.add(group);
    return group;
  }

  private static ServiceStats stats(EventRelayerGroup group) {
    return group.serviceStats().get("eventgate");
  }

  private static List<Map<String, Object>> urls(int from, int n) {
    return IntStream.range(from, from + n)
        .mapToObj(i -> Map.<String, Object>of("url", "https://en.example.org/wiki/Page_" + i))
        .collect(Collectors.toList());
  }

  private static Set<String> expectedUris(int from, int n) {
    return urls(from, n).stream().map(m -> (String) m.get("url")).collect(Collectors.toSet());
  }

  /** The {@code meta.uri} of each received event, failing on a duplicate. */
  private Set<String> receivedUrisExactlyOnce() {
    List<String> received = gate.stored(STREAM);
    Set<String> uris = new HashSet<>();
    for (String event : received) {
      String uri = TestEvents.tree(event).path("meta").path("uri").asText();
      assertThat(uris.add(uri)).as("received twice: %s", uri).isTrue();
    }
    return uris;
  }

  /** Fast retries; a breaker that opens after two failed batches of four and probes after 200 ms. */
  private static Object[] impatient() {
    return new Object[] {"retry.initialBackoff", "10ms", "retry.maxBackoff", "200ms", "retry.maxAttempts", "100000",
        "breaker.minimumNumberOfCalls", "2", "breaker.slidingWindowSize", "4", "breaker.waitInOpenState", "200ms",
        "breaker.maxWaitInOpenState", "500ms"};
  }

  private static Object[] concat(Object[] a, Object... b) {
    Object[] out = new Object[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void tenThousandPurgeUrlsArriveAsSchemaValidEventsEachExactlyOnceInBatchesUnderMaxBatchBytes() {
    long maxBatchBytes = 64 * 1024;
    EventRelayerGroup group = group(gate.serviceConfig("maxBatchBytes", "64KiB", "maxBatchEvents", "100000"));
    EventRelayer purges = group.getRelayer(CHANNEL);
    int total = 10_000;
    List<RelayResult> results = new ArrayList<>();
    for (int from = 0; from < total; from += 500) {
      RelayResult r = purges.notifyMulti(CHANNEL, urls(from, 500));
      assertThat(r.refused()).isEmpty();
      results.add(r);
    }

    assertThat(group.flush(PATIENCE)).isTrue();

    assertThat(receivedUrisExactlyOnce()).isEqualTo(expectedUris(0, total));
    for (String event : gate.stored(STREAM)) {
      assertThat(ResourceChangeSchema.problems(event)).as(event).isEmpty();
      JsonNode meta = TestEvents.tree(event).path("meta");
      assertThat(meta.path("domain").asText()).isEqualTo("en.example.org");
      assertThat(meta.path("stream").asText()).isEqualTo(STREAM);
    }
    assertThat(gate.largestBody()).isPositive().isLessThanOrEqualTo(maxBatchBytes);
    assertThat(gate.requests()).isGreaterThan((int) (total * 150L / maxBatchBytes));
    for (RelayResult r : results) {
      assertThat(r.awaitDelivery(PATIENCE).orElseThrow().delivered()).isEqualTo(500);
    }
    ServiceStats s = stats(group);
    assertThat(s.delivered()).isEqualTo(total);
    assertThat(s.deadLettered() + s.dropped() + s.queued() + s.inFlight()).isZero();
    assertThat(s.batches()).isEqualTo(gate.requests());
  }

  @Test
  void notifyMultiReturnsWhileTheIntakeIsProvablyStuck() throws Exception {
    // A timeout far beyond the test's own: the stuck exchange cannot end by itself while the test runs. One request
    // at a time, so that the one held request is all the intake can have seen.
    EventRelayerGroup group = group(gate.serviceConfig("timeout", "1h", "maxInFlightRequests", "1"));
    EventRelayer purges = group.getRelayer(CHANNEL);
    EventGateIntake.Hold hang = gate.hold();
    assertThat(purges.notify(CHANNEL, Map.of("url", "https://en.example.org/wiki/First")).accepted()).isEqualTo(1);
    assertThat(hang.awaitArrived(PATIENCE)).isTrue();

    // The intake holds the only request and answers nothing until the test releases it: had notifyMulti waited
    // on the network, this loop could never finish.
    for (int i = 0; i < 50; i++) {
      RelayResult r = purges.notifyMulti(CHANNEL, urls(i * 20, 20));
      assertThat(r.accepted()).isEqualTo(20);
    }
    assertThat(hang.holding()).isTrue();
    assertThat(gate.requests()).isEqualTo(1);
    assertThat(gate.stored(STREAM)).isEmpty();

    hang.release();
    assertThat(group.flush(PATIENCE)).isTrue();
    Set<String> expected = expectedUris(0, 1000);
    expected.add("https://en.example.org/wiki/First");
    assertThat(receivedUrisExactlyOnce()).isEqualTo(expected);
  }

  @Test
  void aServerErrorStormOpensTheBreakerAndEverythingQueuedIsDeliveredAfterRecovery() {
    EventRelayerGroup group = group(gate.serviceConfig(impatient()));
    EventRelayer purges = group.getRelayer(CHANNEL);
    gate.answerAll(503);
    assertThat(purges.notifyMulti(CHANNEL, urls(0, 100)).accepted()).isEqualTo(100);

    await().atMost(PATIENCE).until(() -> stats(group).breakerState().equals("OPEN"));
    assertThat(stats(group).lastError()).contains("http 503 Service Unavailable");
    assertThat(stats(group).delivered()).isZero();
    // While open: the caller still returns at once, events wait in the queue.
    assertThat(purges.notifyMulti(CHANNEL, urls(100, 100)).accepted()).isEqualTo(100);

    gate.acceptAll();
    await().atMost(PATIENCE).until(() -> stats(group).delivered() == 200);
    assertThat(receivedUrisExactlyOnce()).isEqualTo(expectedUris(0, 200));
    await().atMost(PATIENCE).until(() -> stats(group).breakerState().equals("CLOSED"));
    ServiceStats s = stats(group);
    assertThat(s.deadLettered()).isZero();
    assertThat(s.retries()).isPositive();
    assertThat(s.accountedFor()).isEqualTo(s.accepted());
  }

  @Test
  void aFullQueueUnderDropRefusesExactlyTheEventsTheIntakeNeverReceives() throws Exception {
    EventRelayerGroup group = group(gate.serviceConfig("timeout", "1h", "queueCapacity", "25", "overflow", "drop"));
    EventRelayer purges = group.getRelayer(CHANNEL);
    EventGateIntake.Hold hang = gate.hold();
    assertThat(purges.notify(CHANNEL, Map.of("url", "https://en.example.org/wiki/Page_-1")).accepted()).isEqualTo(1);
    assertThat(hang.awaitArrived(PATIENCE)).isTrue();

    Set<String> accepted = new HashSet<>(Set.of("https://en.example.org/wiki/Page_-1"));
    Set<String> refused = new HashSet<>();
    for (Map<String, Object> event : urls(0, 100)) {
      RelayResult r = purges.notify(CHANNEL, event);
      if (r.accepted() == 1) {
        accepted.add((String) event.get("url"));
      } else {
        assertThat(r.refused()).singleElement()
            .satisfies(x -> assertThat(x.reason()).isEqualTo(RefusalReason.QUEUE_FULL));
        refused.add((String) event.get("url"));
      }
    }
    assertThat(refused).isNotEmpty();
    assertThat(stats(group).refused()).isEqualTo(refused.size());

    hang.release();
    assertThat(group.flush(PATIENCE)).isTrue();
    Set<String> received = receivedUrisExactlyOnce();
    assertThat(received).isEqualTo(accepted);
    Set<String> never = expectedUris(0, 100);
    never.removeAll(received);
    assertThat(never).isEqualTo(refused);
    assertThat(stats(group).delivered()).isEqualTo(accepted.size());
  }

  @Test
  void closeWithAHungIntakeReturnsAndLeavesNoLiveThreadOfOurs() throws Exception {
    // Only close's deadline can end the stuck exchange: its timeout outlives the test.
    EventRelayerGroup group = group(gate.serviceConfig("timeout", "1h"));
    EventRelayer purges = group.getRelayer(CHANNEL);
    EventGateIntake.Hold hang = gate.hold();
    assertThat(purges.notifyMulti(CHANNEL, urls(0, 10)).accepted()).isEqualTo(10);
    assertThat(hang.awaitArrived(PATIENCE)).isTrue();
    assertThat(purges.notifyMulti(CHANNEL, urls(10, 5)).accepted()).isEqualTo(5);

    boolean clean = group.close(Duration.ofSeconds(1));

    assertThat(clean).isFalse();
    assertThat(hang.holding()).isTrue();
    ServiceStats s = stats(group);
    assertThat(s.delivered()).isZero();
    assertThat(s.dropped()).isEqualTo(15);
    assertThat(s.accountedFor()).isEqualTo(s.accepted());
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(liveThreads("eventgate")).isEmpty());
  }

  @Test
  void theGroupFindsTheHttpServiceFromProperties() {
    Properties p = new Properties();
    p.setProperty("relayers.cdn-url-purges.type", "cdn-purge");
    p.setProperty("relayers.cdn-url-purges.stream", STREAM);
    p.setProperty("relayers.cdn-url-purges.tags", "mediawiki,purge");
    p.setProperty("eventServices.eventgate.type", "http");
    p.setProperty("eventServices.eventgate.url", gate.url());
    p.setProperty("eventServices.eventgate.timeout", "5s");
    p.setProperty("eventServices.eventgate.headers.X-Client", "wiki");
    EventRelayerGroup group = EventRelayerGroup.fromProperties(p);
    groups.add(group);
    assertThat(group.getRelayer(CHANNEL).notify(CHANNEL, Map.of("url", "https://en.example.org/wiki/P")).accepted())
        .isEqualTo(1);
    assertThat(group.flush(PATIENCE)).isTrue();
    assertThat(receivedUrisExactlyOnce()).containsExactly("https://en.example.org/wiki/P");
    assertThat(stats(group).type()).isEqualTo("http");
  }

  @Test
  void configMistakesFailTheGroupNamingTheKey() {
    Map<String, Object> typo = new LinkedHashMap<>(gate.serviceConfig());
    typo.put("timout", "5s");
    assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class, () -> group(typo)))
        .satisfies(e -> assertThat(e.getMessage()).contains("eventServices.eventgate.timout"));

    Map<String, Object> noUrl = new LinkedHashMap<>(gate.serviceConfig());
    noUrl.remove("url");
    assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class, () -> group(noUrl)).key())
        .isEqualTo("eventServices.eventgate.url");
    // Nothing is left running by a failed build.
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(liveThreads("eventgate")).isEmpty());
  }

  /** Our live threads for {@code service}: the engine's, the transport's, and any OkHttp client thread. */
  static List<String> liveThreads(String service) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("eventrelayer-" + service + "-") || n.startsWith("OkHttp"))
        .toList();
  }
}
