package org.eventrelayer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.eventrelayer.kafka.KafkaTestSupport.closedPort;
import static org.eventrelayer.kafka.KafkaTestSupport.impatientEngine;
import static org.eventrelayer.kafka.KafkaTestSupport.map;
import static org.eventrelayer.kafka.KafkaTestSupport.quickProducer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.Test;

/** Bootstrap servers that were never up: a loopback port nothing listens on. */
class KafkaUnreachableTest {

  @Test
  void theGroupBuildsTheHostRunsEventsWaitOrOverflowAndStatsSayWhy() {
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "kafka");
    service.putAll(quickProducer("127.0.0.1:" + closedPort()));
    service.putAll(impatientEngine());
    service.put("queueCapacity", "100");
    service.put("overflow", "drop");
    EventRelayerGroup g = EventRelayerGroup.fromMap(map(
        "relayers", map("cdn-url-purges", map("type", "cdn-purge", "stream", "resource-purge")),
        "eventServices", map("kafka-main", service)));
    try {
      EventRelayer purges = g.getRelayer("cdn-url-purges");
      int accepted = 0;
      int queueFull = 0;
      for (int i = 0; i < 250; i++) {
        RelayResult r = purges.notify("cdn-url-purges", map("url", "https://en.example.org/wiki/P" + i));
        accepted += r.accepted();
        for (var refusal : r.refused()) {
          assertThat(refusal.reason()).isEqualTo(RefusalReason.QUEUE_FULL);
          queueFull++;
        }
      }
      assertThat(accepted + queueFull).isEqualTo(250);
      assertThat(queueFull).isPositive(); // the queue holds 100 (plus one batch on the worker): the rest overflow
      await().atMost(Duration.ofSeconds(60)).until(() -> g.serviceStats().get("kafka-main").breakerState()
          .equals("OPEN"));
      ServiceStats s = g.serviceStats().get("kafka-main");
      assertThat(s.lastError()).contains("Kafka (127.0.0.1:").contains("not present in metadata");
      assertThat(s.lastErrorAt()).isNotNull();
      assertThat(s.delivered()).isZero();
      assertThat(s.refused()).isEqualTo(queueFull);
      assertThat(s.queued() + s.inFlight()).isEqualTo(accepted);
      assertThat(g.relayerStats().get("cdn-url-purges").refused()).containsEntry(RefusalReason.QUEUE_FULL,
          (long) queueFull);
      // Still nothing waits on Kafka: a flush gives up at its deadline, the caller keeps going.
      assertThat(g.flush(Duration.ofMillis(50))).isFalse();
      assertThat(purges.notifyMulti("cdn-url-purges", List.of(map("url", "https://en.example.org/late")))
          .refused()).extracting(x -> x.reason()).containsOnly(RefusalReason.QUEUE_FULL);
    } finally {
      assertThat(g.close(Duration.ofSeconds(3))).isFalse(); // what never left is dropped, and counted
    }
    ServiceStats closed = g.serviceStats().get("kafka-main");
    assertThat(closed.dropped()).isPositive();
    assertThat(closed.accepted()).isEqualTo(closed.accountedFor());
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .noneMatch(name -> name.contains("eventrelayer-kafka-main-"));
  }
}
