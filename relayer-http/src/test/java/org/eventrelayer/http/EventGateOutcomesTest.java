package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.SendListener;
import org.eventrelayer.testkit.EventGateIntake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The five ways the real EventGate's answers tripped the library, replayed against the faithful intake of the test
 * kit: a poisoned event ({@code $schema} it cannot load) amid good ones, a 207 larger than {@code maxResponseBytes},
 * an echo with a rounded integer, two events with one {@code meta.id}, and what a send listener hears of a 500.
 */
@Timeout(120)
class EventGateOutcomesTest {

  private static final String STREAM = "resource-purge";
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private EventGateIntake intake;
  private final List<EventRelayerGroup> groups = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    intake = EventGateIntake.start();
  }

  @AfterEach
  void stop() {
    groups.forEach(g -> g.close(Duration.ofSeconds(5)));
    intake.close();
  }

  /** A group whose {@code raw} relayer sends events as given, on one http service with {@code kv} set. */
  private EventRelayerGroup group(Object... kv) {
    Map<String, Object> service = intake.serviceConfig();
    for (int i = 0; i < kv.length; i += 2) {
      service.put((String) kv[i], kv[i + 1]);
    }
    EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("raw", Map.of("type", "stream", "stream", STREAM), "default", Map.of("type", "none")),
        "eventServices", Map.of("eventgate", service)));
    groups.add(group);
    return group;
  }

  private static ServiceStats stats(EventRelayerGroup group) {
    return group.serviceStats().get("eventgate");
  }

  /** A resource_change event with {@code $schema} and {@code tags} as given; {@code id} may be null. */
  private static Map<String, Object> event(String schema, String id, Object tags) {
    Map<String, Object> event = EventGateIntake.resourceChange(STREAM, id);
    event.put("$schema", schema);
    event.put("tags", tags);
    return event;
  }

  private static Map<String, Object> valid(String id) {
    return event(EventGateIntake.RESOURCE_CHANGE, id, List.of("mediawiki"));
  }

  @Test
  void aPoisonedEventNeverHoldsUpTheOthers() {
    EventRelayerGroup group = group();
    RelayResult poison = group.getRelayer("raw").notify("c", event("/resource_change/9.9.9", "poison", List.of()));
    assertThat(poison.accepted()).isEqualTo(1);
    for (int round = 0; round < 30; round++) {
      List<Map<String, ?>> batch = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        batch.add(valid("r" + round + "-" + i));
      }
      RelayResult r = group.getRelayer("raw").notifyMulti("c", batch);
      // Delivered within a second of notify, every round, while the poisoned event keeps failing.
      DeliveryReport report = r.awaitDelivery(Duration.ofSeconds(1)).orElseThrow(
          () -> new AssertionError("not delivered within 1 s: " + stats(group)));
      assertThat(report.delivered()).isEqualTo(10);
      assertThat(stats(group).breakerState()).isEqualTo("CLOSED");
      pace();
    }
    assertThat(intake.stored(STREAM)).hasSize(300);
    // The poisoned event was retried on its own schedule all along (default limits: 100 attempts, 15 min), riding
    // along with the good ones in 207 answers.
    assertThat(stats(group).retries()).isGreaterThanOrEqualTo(3);
    assertThat(intake.statuses()).contains(207).doesNotContain(400);
    assertThat(poison.awaitDelivery(Duration.ZERO)).isEmpty();
    assertThat(stats(group).breakerState()).isEqualTo("CLOSED");
  }

  /** The scenario's pace, as measured against the real EventGate: 10 events every 100 ms. */
  private static void pace() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void aPoisonedEventIsDeadLetteredByItsOwnLimits() {
    EventRelayerGroup group = group("retry.maxAttempts", "4", "retry.initialBackoff", "10ms");
    RelayResult poison = group.getRelayer("raw").notify("c", event("/resource_change/9.9.9", "poison", List.of()));
    RelayResult good = group.getRelayer("raw").notifyMulti("c", List.of(valid("g1"), valid("g2")));
    assertThat(good.awaitDelivery(PATIENCE).orElseThrow().delivered()).isEqualTo(2);
    DeliveryReport poisoned = poison.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(poisoned.deadLettered()).isEqualTo(1);
    assertThat(poisoned.firstFailure()).contains("retries exhausted after 4 attempt(s)")
        .contains("Failed loading schema at /resource_change/9.9.9");
    assertThat(stats(group).breakerState()).isEqualTo("CLOSED");
  }

  @Test
  void anAnswerTooLargeToReadNeverDeadLettersAValidEventAndBoundsDuplicates() {
    EventRelayerGroup group = group("maxResponseBytes", "64KiB", "retry.maxAttempts", "3",
        "retry.initialBackoff", "10ms");
    String pad = "x".repeat(4000);
    List<Map<String, ?>> events = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      events.add(event(EventGateIntake.RESOURCE_CHANGE, "good-" + i, List.of(pad)));
      events.add(event(EventGateIntake.RESOURCE_CHANGE, "bad-" + i, List.of(pad, 5))); // tags must be strings
    }
    RelayResult r = group.getRelayer("raw").notifyMulti("c", events);
    DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(report.delivered()).isEqualTo(40);
    assertThat(report.deadLettered()).isEqualTo(40);
    // One resend per event per unreadable answer: halving 80 events reaches readable answers within 7 levels.
    for (int i = 0; i < 40; i++) {
      assertThat(intake.storedCount("good-" + i)).isBetween(1, 7);
    }
    assertThat(stats(group).delivered()).isEqualTo(40);
    assertThat(stats(group).deadLettered()).isEqualTo(40);
  }

  @Test
  void anEchoWithARoundedIntegerStillMatchesItsEvent() {
    EventRelayerGroup group = group("retry.initialBackoff", "10ms");
    Map<String, Object> bad = event(EventGateIntake.RESOURCE_CHANGE, null, List.of("a"));
    bad.put("rev", 9_007_199_254_740_993L); // 2^53 + 1: echoed as ...992
    bad.put("tags", List.of(1)); // invalid
    RelayResult r = group.getRelayer("raw").notifyMulti("c", List.of(valid("neighbour"), bad));
    DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(report.delivered()).isEqualTo(1);
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(intake.storedCount("neighbour")).isEqualTo(1);
    assertThat(stats(group).retries()).isZero();
  }

  @Test
  void twoEventsWithOneIdKeepTheirOwnOutcomes() {
    EventRelayerGroup group = group("linger", "200ms");
    RelayResult good = group.getRelayer("raw").notify("c", valid("same"));
    RelayResult bad = group.getRelayer("raw").notify("c",
        event(EventGateIntake.RESOURCE_CHANGE, "same", List.of(1)));
    assertThat(good.awaitDelivery(PATIENCE).orElseThrow().delivered()).isEqualTo(1);
    assertThat(bad.awaitDelivery(PATIENCE).orElseThrow().deadLettered()).isEqualTo(1);
    assertThat(intake.statuses()).containsExactly(207);
  }

  @Test
  void aSendListenerHearsThatA500IsAFailure() {
    EventRelayerGroup group = group("retry.maxAttempts", "1");
    List<SendListener.SendInfo> sends = new CopyOnWriteArrayList<>();
    group.addSendListener(sends::add);
    RelayResult r = group.getRelayer("raw").notify("c", event("/resource_change/9.9.9", "alone", List.of()));
    assertThat(r.awaitDelivery(PATIENCE).orElseThrow().deadLettered()).isEqualTo(1);
    await().atMost(PATIENCE).until(() -> !sends.isEmpty());
    assertThat(intake.statuses()).containsExactly(500);
    assertThat(sends).extracting(SendListener.SendInfo::outcome).containsExactly(SendListener.Outcome.FAILURE);
  }
}
