package org.eventrelayer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.eventrelayer.kafka.KafkaTestSupport.impatientEngine;
import static org.eventrelayer.kafka.KafkaTestSupport.map;
import static org.eventrelayer.kafka.KafkaTestSupport.quickProducer;
import static org.eventrelayer.kafka.KafkaTestSupport.utf8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.testkit.ResourceChangeSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kafka service end to end on a real in-process KRaft broker, shared by the whole class. */
class KafkaBrokerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final AtomicInteger SEQ = new AtomicInteger();

  private static EmbeddedKafkaBroker broker;
  private final List<EventRelayerGroup> groups = new ArrayList<>();

  @BeforeAll
  static void startBroker() {
    broker = new EmbeddedKafkaBroker().start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @AfterEach
  void closeGroups() {
    groups.forEach(g -> g.close(Duration.ofSeconds(5)));
    groups.clear();
  }

  private EventRelayerGroup group(Map<String, ?> config) {
    EventRelayerGroup g = EventRelayerGroup.fromMap(config);
    groups.add(g);
    return g;
  }

  private static JsonNode tree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> kafkaService(Map<String, Object> extra) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "kafka");
    m.putAll(quickProducer(broker.bootstrapServers()));
    m.putAll(extra);
    return m;
  }

  @Test
  void tenThousandPurgesArriveExactlyOnceSchemaValidAndKeyedByUrl() {
    String topic = "purges-" + SEQ.incrementAndGet();
    broker.createTopic(topic, 4);
    EventRelayerGroup g = group(map(
        "relayers", map(
            "cdn-url-purges", map("type", "cdn-purge", "stream", "resource-purge", "tags", List.of("mediawiki")),
            "default", map("type", "none")),
        "eventServices", map("kafka-main", kafkaService(map())),
        "streams", map("resource-purge", map("service", "kafka-main", "topic", topic, "key", "meta.uri"))));
    EventRelayer purges = g.getRelayer("cdn-url-purges");
    int total = 10_000;
    List<RelayResult> results = new ArrayList<>();
    Set<String> urls = new HashSet<>();
    for (int from = 0; from < total; from += 500) {
      List<Map<String, Object>> batch = new ArrayList<>();
      for (int i = from; i < from + 500; i++) {
        String url = "https://en.wikipedia.org/wiki/Page_" + i;
        urls.add(url);
        batch.add(map("url", url, "timestamp", 1_700_000_000L + i));
      }
      RelayResult r = purges.notifyMulti("cdn-url-purges", batch);
      assertThat(r.refused()).isEmpty();
      results.add(r);
    }
    assertThat(g.flush(PATIENCE)).isTrue();
    for (RelayResult r : results) {
      DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();
      assertThat(report.allDelivered()).as(String.valueOf(report)).isTrue();
    }

    List<ConsumerRecord<String, byte[]>> records = broker.readAll(topic, total, PATIENCE);
    assertThat(records).hasSize(total);
    Set<String> ids = new HashSet<>();
    Set<String> seenUrls = new HashSet<>();
    Map<String, Integer> partitionOfKey = new HashMap<>();
    Set<Integer> partitions = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      String json = new String(r.value(), StandardCharsets.UTF_8);
      assertThat(ResourceChangeSchema.problems(json)).as(json).isEmpty();
      JsonNode meta = tree(r.value()).path("meta");
      ids.add(meta.path("id").asText());
      seenUrls.add(meta.path("uri").asText());
      assertThat(meta.path("stream").asText()).isEqualTo("resource-purge");
      assertThat(meta.path("domain").asText()).isEqualTo("en.wikipedia.org");
      assertThat(r.key()).isEqualTo(meta.path("uri").asText());
      assertThat(partitionOfKey.putIfAbsent(r.key(), r.partition())).isIn(null, r.partition());
      partitions.add(r.partition());
    }
    assertThat(ids).hasSize(total);
    assertThat(seenUrls).isEqualTo(urls);
    assertThat(partitions).hasSize(4); // keyed records spread over every partition
    ServiceStats s = g.serviceStats().get("kafka-main");
    assertThat(s.delivered()).isEqualTo(total);
    assertThat(s.deadLettered() + s.dropped() + s.queued() + s.inFlight()).isZero();
  }

  @Test
  void kbasePropertiesRelayWorkspaceEventsToTheirTopic() {
    String topic = "workspaceevents" + SEQ.incrementAndGet();
    Properties p = new Properties();
    p.setProperty("listeners", "Kafka");
    p.setProperty("listener-Kafka-class", "kafka");
    p.setProperty("listener-Kafka-config-topic", topic);
    p.setProperty("listener-Kafka-config-topicStrict", "true");
    p.setProperty("listener-Kafka-config-key", "wsid");
    quickProducer(broker.bootstrapServers()).forEach((k, v) -> p.setProperty("listener-Kafka-config-" + k, (String) v));
    p.setProperty("unrelated-deploy-cfg-key", "ignored"); // a whole deploy.cfg may be handed in
    EventRelayerGroup g = EventRelayerGroup.fromProperties(p);
    groups.add(g);

    List<Map<String, Object>> events = new ArrayList<>();
    Map<String, Object> save = new LinkedHashMap<>();
    save.put("user", "alice");
    save.put("wsid", 42);
    save.put("objid", 7);
    save.put("ver", 3);
    save.put("time", 1_700_000_000_123L);
    save.put("evtype", "NEW_VERSION");
    save.put("objtype", "KBaseGenomes.Genome-8.2");
    save.put("perm", null);
    save.put("permusers", List.of());
    events.add(save);
    Map<String, Object> perm = new LinkedHashMap<>();
    perm.put("user", null); // an admin command without impersonation
    perm.put("wsid", 43);
    perm.put("objid", null);
    perm.put("ver", null);
    perm.put("time", 1_700_000_000_456L);
    perm.put("evtype", "SET_PERMISSION");
    perm.put("objtype", null);
    perm.put("perm", "w");
    perm.put("permusers", List.of("bob", "carol"));
    events.add(perm);
    Map<String, Object> rename = new LinkedHashMap<>();
    rename.put("user", "alice");
    rename.put("wsid", 42);
    rename.put("objid", 7);
    rename.put("time", 1_700_000_000_789L);
    rename.put("evtype", "RENAME_OBJECT");
    events.add(rename);

    // KBase's listener takes every workspace event, whatever the channel: it is the default relayer here.
    RelayResult r = g.getRelayer("workspace").notifyMulti("workspace", events);
    assertThat(r.accepted()).isEqualTo(3);
    assertThat(r.awaitDelivery(PATIENCE).orElseThrow().allDelivered()).isTrue();

    List<ConsumerRecord<String, byte[]>> records = broker.readAll(topic, 3, PATIENCE);
    assertThat(records).hasSize(3);
    assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("42", "43", "42");
    List<JsonNode> received = records.stream().map(x -> tree(x.value())).toList();
    for (Map<String, Object> sent : events) {
      JsonNode expected = JSON.valueToTree(sent);
      assertThat(received).contains(expected);
    }
    assertThat(g.serviceStats().get("listener-Kafka").delivered()).isEqualTo(3);
  }

  @Test
  void brokerStoppedMidStreamCallerNeverWaitsBreakerOpensAndEverythingQueuedArrivesAfterRestart() {
    String topic = "midstream-" + SEQ.incrementAndGet();
    broker.createTopic(topic, 2);
    Map<String, Object> service = kafkaService(impatientEngine());
    service.put("maxBatchEvents", "100");
    EventRelayerGroup g = group(map(
        "relayers", map("ws", map("type", "stream", "stream", "ws-events")),
        "eventServices", map("kafka-main", service),
        "streams", map("ws-events", map("service", "kafka-main", "topic", topic, "key", "wsid"))));
    EventRelayer relayer = g.getRelayer("ws");
    AtomicInteger n = new AtomicInteger();
    Set<String> sentIds = new HashSet<>();
    java.util.function.IntFunction<List<Map<String, Object>>> next = count -> {
      List<Map<String, Object>> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int id = n.incrementAndGet();
        sentIds.add("e" + id);
        out.add(map("id", "e" + id, "wsid", id % 17, "evtype", "NEW_VERSION", "time", 1_700_000_000_000L + id));
      }
      return out;
    };

    assertThat(relayer.notifyMulti("ws", next.apply(300)).accepted()).isEqualTo(300);
    await().atMost(PATIENCE).until(() -> g.serviceStats().get("kafka-main").delivered() == 300);

    broker.stop();
    try {
      for (int round = 0; round < 10; round++) {
        // Each call returns with its events accepted although no broker answers.
        RelayResult r = relayer.notifyMulti("ws", next.apply(50));
        assertThat(r.accepted()).isEqualTo(50);
      }
      await().atMost(PATIENCE).until(() -> g.serviceStats().get("kafka-main").breakerState().equals("OPEN"));
      ServiceStats down = g.serviceStats().get("kafka-main");
      assertThat(down.lastError()).contains("Kafka");
      assertThat(down.delivered()).isEqualTo(300);
      assertThat(relayer.notifyMulti("ws", next.apply(50)).accepted()).isEqualTo(50);
    } finally {
      broker.start();
    }
    int total = n.get();
    await().atMost(PATIENCE).until(() -> g.serviceStats().get("kafka-main").delivered() == total);
    assertThat(g.flush(PATIENCE)).isTrue();
    List<ConsumerRecord<String, byte[]>> records = broker.readAll(topic, total, PATIENCE);
    Set<String> ids = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      JsonNode e = tree(r.value());
      ids.add(e.path("id").asText());
      assertThat(r.key()).isEqualTo(e.path("wsid").asText());
    }
    assertThat(ids).isEqualTo(sentIds);
    assertThat(records.size()).isGreaterThanOrEqualTo(total); // at least once; the broker may have kept a retried write
    ServiceStats s = g.serviceStats().get("kafka-main");
    assertThat(s.deadLettered() + s.dropped()).isZero();
    await().atMost(PATIENCE).until(() -> g.serviceStats().get("kafka-main").breakerState().equals("CLOSED"));
  }

  @Test
  void anEventTooLargeForKafkaIsDeadLetteredWithTheCauseAndTheRestDelivered() {
    String topic = "large-" + SEQ.incrementAndGet();
    broker.createTopic(topic, 1);
    EventRelayerGroup g = group(map(
        "relayers", map("ws", map("type", "stream", "stream", "big-events")),
        "eventServices", map("kafka-main", kafkaService(map())),
        "streams", map("big-events", map("service", "kafka-main", "topic", topic))));
    List<Map<String, Object>> events = List.of(
        map("n", 1), map("n", 2, "blob", "x".repeat(1_200_000)), map("n", 3));
    RelayResult r = g.getRelayer("ws").notifyMulti("ws", events);
    assertThat(r.accepted()).isEqualTo(3);
    DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(report.delivered()).isEqualTo(2);
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(report.firstFailure()).contains("RecordTooLargeException").contains("max.request.size");
    ServiceStats s = g.serviceStats().get("kafka-main");
    assertThat(s.deadLettered()).isEqualTo(1);
    assertThat(s.lastError()).contains("RecordTooLargeException");
    assertThat(s.breakerState()).isEqualTo("CLOSED");
    assertThat(broker.readAll(topic, 2, PATIENCE)).extracting(x -> tree(x.value()).path("n").asInt())
        .containsExactlyInAnyOrder(1, 3);
  }

  @Test
  void transportSendsABatchAndMapsTheBrokersAnswers() throws Exception {
    String topic = "transport-" + SEQ.incrementAndGet();
    broker.createTopic(topic, 1);
    KafkaSettings settings = KafkaSettings.parse(KafkaTestSupport.context("direct",
        quickProducer(broker.bootstrapServers()), Map.of("s", map("topic", topic, "key", "meta.id"))));
    KafkaTransport t = new KafkaTransport(settings, KafkaProducer::new);
    t.start();
    try {
      t.checkStream("s");
      List<BatchEvent> events = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String json = "{\"meta\":{\"id\":\"id-" + i + "\"},\"n\":" + i + "}";
        events.add(BatchEvent.of("s", utf8(json), "id-" + i, null)); // only the JSON: the key is parsed from it
      }
      events.add(BatchEvent.of("s", utf8("{\"meta\":{\"id\":\"huge\"},\"blob\":\"" + "y".repeat(1_100_000) + "\"}"),
          "huge", null));
      SendResult r = t.send(Batch.of(events));
      for (int i = 0; i < 200; i++) {
        assertThat(r.outcome(i)).isEqualTo(SendResult.Outcome.DELIVERED);
      }
      assertThat(r.outcome(200)).isEqualTo(SendResult.Outcome.INVALID);
      assertThat(r.reason(200)).startsWith("RecordTooLargeException: ");
      List<ConsumerRecord<String, byte[]>> records = broker.readAll(topic, 200, PATIENCE);
      assertThat(records).hasSize(200);
      for (int i = 0; i < 200; i++) {
        assertThat(records.get(i).key()).isEqualTo("id-" + i); // one partition: queue order kept
      }
    } finally {
      t.close();
    }
  }
}
