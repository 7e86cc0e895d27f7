package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.testkit.EventGateIntake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code maxInFlightRequests}: several batches outstanding on one service, against the test kit's EventGate on
 * loopback. The requests overlap, and failures, retries, the breaker, flush and close stay exact with several out.
 */
@Timeout(120)
class HttpInFlightTest {

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

  private EventRelayerGroup group(Object... kv) {
    EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(CHANNEL, Map.of("type", "cdn-purge", "stream", STREAM, "domain", "en.example.org")),
        "eventServices", Map.of("eventgate", gate.serviceConfig(kv))));
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

  private Set<String> receivedUrisExactlyOnce() {
    Set<String> uris = new HashSet<>();
    for (String event : gate.stored(STREAM)) {
      String uri = TestEvents.tree(event).path("meta").path("uri").asText();
      assertThat(uris.add(uri)).as("received twice: %s", uri).isTrue();
    }
    return uris;
  }

  private static Set<String> expectedUris(int from, int n) {
    return urls(from, n).stream().map(m -> (String) m.get("url")).collect(Collectors.toSet());
  }

  @Test
  void requestsOverlapOnASlowIntakeUpToTheLimitAndFlushWaitsForEveryOne() throws Exception {
    EventRelayerGroup group = group("timeout", "1h", "maxBatchEvents", "10", "maxInFlightRequests", "3");
    EventRelayer purges = group.getRelayer(CHANNEL);
    EventGateIntake.Hold hang = gate.hold();
    RelayResult r = purges.notifyMulti(CHANNEL, urls(0, 100));
    assertThat(r.accepted()).isEqualTo(100);

    // The intake answers nothing: three requests can only have arrived together, each a batch of its own.
    await().atMost(PATIENCE).until(() -> gate.requests() == 3 && stats(group).inFlight() == 30);
    assertThat(hang.holding()).isTrue();
    assertThat(gate.stored(STREAM)).isEmpty();
    assertThat(group.flush(Duration.ofMillis(50))).isFalse(); // nothing answered: flush cannot be done

    hang.release();
    assertThat(group.flush(PATIENCE)).isTrue();
    ServiceStats s = stats(group);
    assertThat(s.delivered()).isEqualTo(100); // flush returned only once every outstanding answer was taken
    assertThat(s.inFlight() + s.queued() + s.deadLettered()).isZero();
    assertThat(receivedUrisExactlyOnce()).isEqualTo(expectedUris(0, 100));
    assertThat(gate.requests()).isEqualTo(10);
    assertThat(s.batches()).isEqualTo(10);
    assertThat(r.awaitDelivery(PATIENCE).orElseThrow().delivered()).isEqualTo(100);
  }

  @Test
  void aServerErrorStormWithSeveralRequestsOutOpensTheBreakerAndLosesNothing() {
    EventRelayerGroup group = group("maxBatchEvents", "5", "maxInFlightRequests", "4", "retry.initialBackoff",
        "10ms", "retry.maxBackoff", "200ms", "retry.maxAttempts", "100000", "breaker.minimumNumberOfCalls", "2",
        "breaker.slidingWindowSize", "4", "breaker.waitInOpenState", "200ms", "breaker.maxWaitInOpenState",
        "500ms");
    EventRelayer purges = group.getRelayer(CHANNEL);
    gate.answerAll(503);
    assertThat(purges.notifyMulti(CHANNEL, urls(0, 200)).accepted()).isEqualTo(200);

    await().atMost(PATIENCE).until(() -> stats(group).breakerState().equals("OPEN"));
    assertThat(stats(group).delivered()).isZero();

    gate.acceptAll();
    assertThat(group.flush(PATIENCE)).isTrue();
    ServiceStats s = stats(group);
    assertThat(s.delivered()).isEqualTo(200);
    assertThat(receivedUrisExactlyOnce()).isEqualTo(expectedUris(0, 200));
    assertThat(s.retries()).isPositive();
    assertThat(s.deadLettered() + s.dropped() + s.inFlight() + s.queued()).isZero();
    assertThat(s.accountedFor()).isEqualTo(s.accepted());
    assertThat(s.batches()).isEqualTo(gate.requests());
  }

  @Test
  void anIntakeThatGoesAwayWithRequestsOutGetsEveryEventExactlyOnceWhenBack() throws Exception {
    EventRelayerGroup group = group("maxBatchEvents", "4", "maxInFlightRequests", "4", "retry.initialBackoff",
        "10ms", "retry.maxBackoff", "100ms", "retry.maxAttempts", "100000", "timeout", "2s");
    EventRelayer purges = group.getRelayer(CHANNEL);
    assertThat(purges.notifyMulti(CHANNEL, urls(0, 40)).accepted()).isEqualTo(40);
    assertThat(group.flush(PATIENCE)).isTrue();

    gate.stop(); // connections refused while batches are begun several at a time
    assertThat(purges.notifyMulti(CHANNEL, urls(40, 60)).accepted()).isEqualTo(60);
    await().atMost(PATIENCE).until(() -> stats(group).retries() > 0);
    gate.restart();

    assertThat(group.flush(PATIENCE)).isTrue();
    ServiceStats s = stats(group);
    assertThat(receivedUrisExactlyOnce()).isEqualTo(expectedUris(0, 100));
    assertThat(s.delivered()).isEqualTo(100);
    assertThat(s.accountedFor()).isEqualTo(s.accepted());
  }

  @Test
  void closeWithSeveralRequestsHungCancelsThemAllAndAccountsForEveryEvent() throws Exception {
    EventRelayerGroup group = group("timeout", "1h", "maxBatchEvents", "5", "maxInFlightRequests", "4");
    EventRelayer purges = group.getRelayer(CHANNEL);
    EventGateIntake.Hold hang = gate.hold();
    assertThat(purges.notifyMulti(CHANNEL, urls(0, 30)).accepted()).isEqualTo(30);
    await().atMost(PATIENCE).until(() -> gate.requests() == 4);

    assertThat(group.close(Duration.ofSeconds(1))).isFalse();

    assertThat(hang.holding()).isTrue();
    ServiceStats s = stats(group);
    assertThat(s.delivered()).isZero();
    assertThat(s.dropped()).isEqualTo(30);
    assertThat(s.accountedFor()).isEqualTo(s.accepted());
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(HttpDeliveryTest.liveThreads("eventgate")).isEmpty());
  }
}
