package org.eventrelayer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.WorkspaceEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KBase workspace events through a real in-process broker: every row of the workspace's event table, built with
 * {@link WorkspaceEvent}, is accepted and read back from the topic in exactly the documented shape; KBase's own
 * {@code deploy.cfg} form builds the relayer; an invalid event is refused and never reaches the topic.
 */
class WorkspaceEventsKafkaTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final long TIME = Instant.parse("2026-11-30T12:00:00.123Z").toEpochMilli();

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = new EmbeddedKafkaBroker().start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  /** KBase's deploy.cfg as its documentation writes it, plus a key that every workspace deploy.cfg has. */
  private static EventRelayerGroup kbaseGroup(String topic) throws Exception {
    Properties p = new Properties();
    p.load(new StringReader("""
        mongodb-host = 127.0.0.1
        listeners=Kafka
        listener-Kafka-class=us.kbase.workspace.modules.KafkaNotifierFactory
        listener-Kafka-config-topic=%s
        listener-Kafka-config-bootstrap.servers=%s
        """.formatted(topic, broker.bootstrapServers())));
    return EventRelayerGroup.fromProperties(p);
  }

  /** Every row of the document's table, in order, as the helper builds it. */
  private static List<Map<String, Object>> everyRow() {
    List<Map<String, Object>> rows = new ArrayList<>(List.of(
        WorkspaceEvent.saveObject("alice", 42, 7, 3, "KBaseGenomes.Genome-8.2"),
        WorkspaceEvent.copyObjectVersion("alice", 43, 1, 1, "KBaseGenomes.Genome-8.2"),
        WorkspaceEvent.copyObject("alice", 43, 2),
        WorkspaceEvent.revertObject("alice", 42, 7, 4, "KBaseGenomes.Genome-8.2"),
        WorkspaceEvent.renameObject("alice", 42, 7),
        WorkspaceEvent.setObjectDeleted("alice", 42, 7),
        WorkspaceEvent.setObjectHidden("alice", 42, 7),
        WorkspaceEvent.cloneWorkspace("alice", 44),
        WorkspaceEvent.setPermission(null, 42, "r", List.of("bob", "carol")),
        WorkspaceEvent.setGlobalPermission("alice", 42),
        WorkspaceEvent.setWorkspaceDeleted(null, 42),
        WorkspaceEvent.createWorkspace("alice", 45),
        WorkspaceEvent.renameWorkspace("alice", 45),
        WorkspaceEvent.alterWorkspaceMetadata("alice", 45),
        WorkspaceEvent.lockWorkspace("alice", 45),
        WorkspaceEvent.setWorkspaceDescription(null, 45),
        WorkspaceEvent.setWorkspaceOwner(null, 45)));
    rows.forEach(r -> r.put("time", TIME));
    return rows;
  }

  @Test
  void everyRowOfTheTableIsDeliveredInTheDocumentedShapeFromKbasesOwnDeployCfg() throws Exception {
    String topic = "wsevents-" + SEQ.incrementAndGet();
    broker.createTopic(topic, 1); // one partition: read back in order
    List<Map<String, Object>> rows = everyRow();
    try (EventRelayerGroup g = kbaseGroup(topic)) {
      EventRelayer relayer = g.getRelayer("workspace");
      assertThat(relayer.stats().type()).isEqualTo("workspace-event");
      RelayResult r = relayer.notifyMulti("workspace", rows);
      assertThat(r.refused()).isEmpty();
      assertThat(r.awaitDelivery(PATIENCE)).hasValueSatisfying(d -> assertThat(d.delivered()).isEqualTo(17));
    }
    List<ConsumerRecord<String, byte[]>> records = broker.readAll(topic, rows.size(), PATIENCE);
    assertThat(records).hasSize(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      JsonNode read = JSON.readTree(records.get(i).value());
      assertThat(new String(records.get(i).value(), java.nio.charset.StandardCharsets.UTF_8)).as("row %d", i)
          .isEqualTo(JSON.writeValueAsString(rows.get(i)));
      assertThat(read.properties()).extracting(Map.Entry::getKey)
          .containsExactly("user", "wsid", "objid", "ver", "time", "evtype", "objtype", "perm", "permusers");
    }
    JsonNode save = JSON.readTree(records.get(0).value());
    assertThat(save.get("wsid").isIntegralNumber()).isTrue();
    assertThat(save.get("ver").isInt()).isTrue();
    assertThat(save.get("time").asLong()).isEqualTo(TIME);
    JsonNode perm = JSON.readTree(records.get(8).value());
    assertThat(perm.get("user").isNull()).isTrue();
    assertThat(perm.get("objid").isNull()).isTrue();
    assertThat(perm.get("perm").asText()).isEqualTo("r");
    assertThat(perm.get("permusers")).hasSize(2);
    assertThat(JSON.readTree(records.get(2).value()).get("permusers")).isEmpty(); // as KBase's notifier writes it
  }

  @Test
  void anInvalidEventIsRefusedWithAReasonAndNeverReachesTheTopic() throws Exception {
    String topic = "wsevents-" + SEQ.incrementAndGet();
    broker.createTopic(topic, 1);
    Map<String, Object> noObjid = WorkspaceEvent.renameObject("alice", 42, 7);
    noObjid.remove("objid");
    Map<String, Object> instant = WorkspaceEvent.createWorkspace("alice", 46);
    instant.put("time", Instant.ofEpochMilli(TIME));
    try (EventRelayerGroup g = kbaseGroup(topic)) {
      RelayResult r = g.getRelayer("workspace").notifyMulti("workspace", List.of(noObjid, instant));
      assertThat(r.accepted()).isEqualTo(1);
      assertThat(r.refused()).singleElement().satisfies(x -> {
        assertThat(x.index()).isZero();
        assertThat(x.reason()).isEqualTo(RefusalReason.INVALID_EVENT);
        assertThat(x.detail()).isEqualTo("'objid' is required for RENAME_OBJECT");
      });
      assertThat(g.flush(PATIENCE)).isTrue();
    }
    List<ConsumerRecord<String, byte[]>> records = broker.readAll(topic, 1, Duration.ofSeconds(5));
    assertThat(records).singleElement().satisfies(rec -> {
      JsonNode read = JSON.readTree(rec.value());
      assertThat(read.get("evtype").asText()).isEqualTo("WORKSPACE_STATE_CHANGE");
      assertThat(read.get("time").asLong()).isEqualTo(TIME); // the Instant, as epoch milliseconds
    });
  }

  @Test
  void kbasesTopicRuleStaysWithItsOwnListenerClass() {
    assertThatThrownBy(() -> kbaseGroup("workspace_events").close())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("listener-Kafka-config-topic"))
        .hasMessageContaining("may not contain '.' or '_'");
  }

  @Test
  void theRelayerTypeWorksUnderRelayersWithItsTopicThroughStreamRouting() {
    String topic = "wsrouted-" + SEQ.incrementAndGet();
    broker.createTopic(topic, 1);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("relayers", Map.of("workspace", Map.of("type", "workspace-event", "stream", "workspace-events")));
    config.put("eventServices", Map.of("kafka-main", Map.of("type", "kafka",
        "bootstrap.servers", broker.bootstrapServers(), "topicStrict", true)));
    config.put("streams", Map.of("workspace-events", Map.of("topic", topic)));
    try (EventRelayerGroup g = EventRelayerGroup.fromMap(config)) {
      Map<String, Object> e = WorkspaceEvent.cloneWorkspace("alice", 9);
      e.put("time", TIME);
      assertThat(g.getRelayer("workspace").notify("workspace", e).accepted()).isEqualTo(1);
      assertThat(g.flush(PATIENCE)).isTrue();
    }
    assertThat(broker.readAll(topic, 1, PATIENCE)).singleElement()
        .satisfies(rec -> assertThat(JSON.readTree(rec.value()).get("evtype").asText()).isEqualTo("CLONE_WORKSPACE"));
  }
}
