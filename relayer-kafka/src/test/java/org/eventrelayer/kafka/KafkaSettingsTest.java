package org.eventrelayer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.eventrelayer.kafka.KafkaTestSupport.context;
import static org.eventrelayer.kafka.KafkaTestSupport.map;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayerGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Build-time checks of the Kafka service's settings: no broker involved, nothing connects. */
class KafkaSettingsTest {

  private static final String SERVERS = "127.0.0.1:9";

  private static KafkaSettings parse(Map<String, ?> service) {
    return KafkaSettings.parse(context("kafka-main", service));
  }

  private static Map<String, Object> base(Object... kv) {
    Map<String, Object> m = map(kv);
    m.putIfAbsent("bootstrap.servers", SERVERS);
    return m;
  }

  @Test
  void defaultsAreSafeAndConsistent() {
    KafkaSettings s = parse(base());
    Map<String, Object> p = s.producerProperties();
    assertThat(p).containsEntry("acks", "all")
        .containsEntry("enable.idempotence", "true")
        .containsEntry("compression.type", "lz4")
        .containsEntry("linger.ms", "0")
        .containsEntry("max.block.ms", "3000")
        .containsEntry("request.timeout.ms", "10000")
        .containsEntry("delivery.timeout.ms", "15000")
        .containsEntry("bootstrap.servers", SERVERS)
        .containsEntry("key.serializer", "org.apache.kafka.common.serialization.StringSerializer")
        .containsEntry("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    assertThat((String) p.get("client.id")).startsWith("eventrelayer-kafka-main-");
    long linger = Long.parseLong((String) p.get("linger.ms"));
    long request = Long.parseLong((String) p.get("request.timeout.ms"));
    long delivery = Long.parseLong((String) p.get("delivery.timeout.ms"));
    assertThat(delivery).isGreaterThanOrEqualTo(linger + request);
    assertThat(s.sendTimeout()).isEqualTo(Duration.ofMillis(delivery).plusSeconds(5));
  }

  @Test
  void producerPropertiesPassThroughAsWritten() {
    KafkaSettings s = parse(base("compression.type", "zstd", "linger.ms", "20", "security.protocol", "SASL_SSL",
        "sasl.mechanism", "SCRAM-SHA-512", "bootstrap.servers", List.of("10.0.0.1:9092", "10.0.0.2:9092"),
        "retry.backoff.ms", "50"));
    assertThat(s.producerProperties()).containsEntry("compression.type", "zstd").containsEntry("linger.ms", "20")
        .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("bootstrap.servers", "10.0.0.1:9092,10.0.0.2:9092").containsEntry("retry.backoff.ms", "50");
    // delivery.timeout.ms was not set: raised to fit linger.ms + request.timeout.ms.
    assertThat(s.producerProperties()).containsEntry("delivery.timeout.ms", "15000");
    assertThat(parse(base("linger.ms", " ")).producerProperties()).containsEntry("linger.ms", "0"); // blank: unset
    KafkaSettings longer = parse(base("request.timeout.ms", "30000", "linger.ms", "5"));
    assertThat(longer.producerProperties()).containsEntry("delivery.timeout.ms", "30005");
    assertThat(longer.sendTimeout()).isEqualTo(Duration.ofMillis(35_005));
  }

  @Test
  void weakerAcksLeaveIdempotenceToKafkaClients() {
    KafkaSettings s = parse(base("acks", "1"));
    assertThat(s.producerProperties()).containsEntry("acks", "1").doesNotContainKey("enable.idempotence");
    assertThatThrownBy(() -> parse(base("acks", "1", "enable.idempotence", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("eventServices.kafka-main.")
        .hasMessageContaining("acks")
        .hasMessageContaining("idempoten");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "lingerr.ms|5|eventServices.kafka-main.lingerr.ms: is not a setting of the Kafka service nor a Kafka producer config",
      "compression.type|brotli|eventServices.kafka-main.compression.type: is not valid: Invalid value brotli for configuration compression.type",
      "acks|2|eventServices.kafka-main.acks: is not valid: Invalid value 2 for configuration acks",
      "linger.ms|soon|eventServices.kafka-main.linger.ms: is not valid: Invalid value soon for configuration linger.ms",
      "max.block.ms|60000|eventServices.kafka-main.max.block.ms: must be at most 10000 (ms), got 60000",
      "delivery.timeout.ms|5000|eventServices.kafka-main.delivery.timeout.ms: must be at least linger.ms + request.timeout.ms (0 + 10000 = 10000), got 5000",
      "transactional.id|tx-1|eventServices.kafka-main.transactional.id: is not supported",
      "value.serializer|org.apache.kafka.common.serialization.StringSerializer|eventServices.kafka-main.value.serializer: is set by the Kafka service",
      "bootstrap.servers|kafka-without-port|eventServices.kafka-main.bootstrap.servers: 'kafka-without-port' is not host:port",
      "bootstrap.servers|' , '|eventServices.kafka-main.bootstrap.servers: is required",
      "sendTimeout|5s|eventServices.kafka-main.sendTimeout: must be at least delivery.timeout.ms (15000 ms), got 5000 ms",
      "key|meta..domain|eventServices.kafka-main.key: must be 'none' or a dot-separated path",
      "topicStrict|yes|eventServices.kafka-main.topicStrict: must be true or false",
  })
  void badServiceSettingsFailNamingTheKey(String key, String value, String message) {
    assertThatThrownBy(() -> parse(base(key, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void bootstrapServersIsRequired() {
    assertThatThrownBy(() -> parse(map("topic", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("eventServices.kafka-main.bootstrap.servers: is required");
  }

  @Test
  void secretValuesNeverAppearInMessages() {
    // A secret-looking key (by name) with a bad value: the value is not shown.
    assertThatThrownBy(() -> parse(base("sasl.oauthbearer.header.urlencode", "hunter2-maybe")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sasl.oauthbearer.header.urlencode")
        .hasMessageContaining("value hidden")
        .hasMessageNotContaining("hunter2");
    // A secret alongside a cross-key mistake: the message is about the mistake only.
    assertThatThrownBy(() -> parse(base("sasl.jaas.config", "x required password=\"hunter2-jaas\";",
        "acks", "0", "enable.idempotence", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessageNotContaining("hunter2");
    assertThat(KafkaSettings.redact("login failed for password=\"hunter2\" and token=abc, ok",
        List.of())).isEqualTo("login failed for password=(hidden) and token=(hidden), ok");
  }

  @Test
  void aMalformedJaasLineNeverShowsAFragmentOfItInTheError() {
    KafkaSettings s = parse(base("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", "x SECRETK2 username=\"u\" password=\"hunter2-jaas\";"));
    KafkaTransport t = new KafkaTransport(s, org.apache.kafka.clients.producer.KafkaProducer::new);
    try {
      assertThatThrownBy(t::start)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("kafka-clients cannot create a producer")
          .hasMessageNotContaining("SECRETK2")
          .hasMessageNotContaining("hunter2");
    } finally {
      t.close();
    }
    assertThat(KafkaSettings.redact("Invalid login module control flag 'SECRETK2' in JAAS config",
        List.of("x SECRETK2 password=\"p\";"))).doesNotContain("SECRETK2").contains("login module control flag");
  }

  @Test
  void badProducerSecretsFailWhenTheProducerIsCreatedWithoutShowingThem() {
    KafkaSettings s = parse(base("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
            + "password=\"hunter2-in-jaas\""));
    KafkaTransport t = new KafkaTransport(s, org.apache.kafka.clients.producer.KafkaProducer::new);
    try {
      assertThatThrownBy(t::start)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("eventServices.kafka-main: kafka-clients cannot create a producer")
          .hasMessageNotContaining("hunter2");
    } finally {
      t.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "'bad topic'|false|topic 'bad topic' is invalid: it contains a space at index 3; Kafka allows only [a-zA-Z0-9._-]",
      "purges/enwiki|false|topic 'purges/enwiki' is invalid: it contains '/' at index 6; Kafka allows only [a-zA-Z0-9._-]",
      ".|false|topic '.' is invalid: Kafka forbids the topic names '.' and '..'",
      "..|false|topic '..' is invalid: Kafka forbids the topic names '.' and '..'",
      "workspace.events|true|topic 'workspace.events' is invalid: it contains '.' at index 9; with topicStrict: true (KBase's rule) a topic may not contain '.' or '_'",
      "workspace_events|true|topic 'workspace_events' is invalid: it contains '_' at index 9; with topicStrict: true",
      "__consumer_offsets|false|topic '__consumer_offsets' is invalid: it is one of Kafka's internal topics",
  })
  void badServiceTopicsFailNamingTopicAndRule(String topic, boolean strict, String message) {
    assertThatThrownBy(() -> parse(base("topic", topic, "topicStrict", strict)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("eventServices.kafka-main.topic: " + message);
  }

  @Test
  void topicLengthIsLimitedTo249WithThePrefix() {
    String name249 = "t".repeat(249);
    assertThat(parse(base("topic", name249)).routeFor("any").topic()).isEqualTo(name249);
    assertThatThrownBy(() -> parse(base("topic", "t".repeat(246), "topicPrefix", "dc-1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("eventServices.kafka-main.topic: topic 'dc-1ttt")
        .hasMessageContaining("(with topicPrefix 'dc-1') is invalid: it is 250 characters long; Kafka allows at most 249");
    // A blank topic reads as absent: the stream name is used instead.
    assertThat(parse(base("topic", " ")).routeFor("resource-purge").topic()).isEqualTo("resource-purge");
  }

  @Test
  void prefixIsCheckedOnItsOwn() {
    assertThatThrownBy(() -> parse(base("topicPrefix", "eqiad.", "topicStrict", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("eventServices.kafka-main.topicPrefix: 'eqiad.' cannot start a topic name: it contains "
            + "'.' at index 5; with topicStrict: true");
    assertThatThrownBy(() -> parse(base("topicPrefix", "dc 1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("eventServices.kafka-main.topicPrefix: 'dc 1' cannot start a topic name");
  }

  @Test
  void routesFollowStreamThenServiceThenStreamNameWithThePrefix() {
    KafkaSettings s = KafkaSettings.parse(context("k",
        map("bootstrap.servers", SERVERS, "topicPrefix", "eqiad.", "key", "meta.domain"),
        Map.of("resource-purge", map("topic", "cdn.purges", "key", "meta.uri"),
            "page-create", map())));
    assertThat(s.routeFor("resource-purge")).satisfies(r -> {
      assertThat(r.topic()).isEqualTo("eqiad.cdn.purges");
      assertThat(r.key()).hasToString("meta.uri");
    });
    assertThat(s.routeFor("page-create")).satisfies(r -> {
      assertThat(r.topic()).isEqualTo("eqiad.page-create");
      assertThat(r.key()).hasToString("meta.domain");
    });
    assertThat(s.routeFor("unconfigured")).satisfies(r -> {
      assertThat(r.topic()).isEqualTo("eqiad.unconfigured");
      assertThat(r.key()).hasToString("meta.domain");
    });
    KafkaSettings one = parse(base("topic", "workspaceevents", "key", "none"));
    assertThat(one.routeFor("a").topic()).isEqualTo("workspaceevents");
    assertThat(one.routeFor("b").key().isNone()).isTrue();
  }

  @Test
  void streamTopicsAreCheckedAtBuildTimeToo() {
    assertThatThrownBy(() -> KafkaSettings.parse(context("k", base(),
        Map.of("resource-purge", map("topic", "cdn purges")))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("streams.resource-purge.topic: topic 'cdn purges' is invalid: it contains a space");
    assertThatThrownBy(() -> KafkaSettings.parse(context("k", base("topicStrict", "true"),
        Map.of("resource_purge", map()))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("streams.resource_purge: stream 'resource_purge' would go to topic 'resource_purge', "
            + "which is invalid: it contains '_' at index 8; with topicStrict: true");
    KafkaSettings s = parse(base("topicStrict", "true"));
    assertThatThrownBy(() -> s.routeFor("resource_purge"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stream 'resource_purge' would go to Kafka topic 'resource_purge'")
        .hasMessageContaining("KBase's rule");
  }

  @Test
  void groupBuildFailsOnBadTopicsAndPropertiesNamingTheKey() {
    assertThatThrownBy(() -> EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource/purge")),
        "eventServices", Map.of("kafka-main", Map.of("type", "kafka", "bootstrap.servers", SERVERS)))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("relayers.cdn-url-purges.stream")
        .hasMessageContaining("topic 'resource/purge'")
        .hasMessageContaining("Kafka allows only [a-zA-Z0-9._-]");
    assertThatThrownBy(() -> EventRelayerGroup.fromMap(Map.of(
        "eventServices", Map.of("kafka-main", Map.of("type", "kafka", "bootstrap.servers", SERVERS,
            "compression.type", "rar")))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("eventServices.kafka-main.compression.type: is not valid");
    assertThatThrownBy(() -> EventRelayerGroup.fromMap(Map.of(
        "eventServices", Map.of("kafka-main", Map.of("type", "kafka", "bootstrap.servers", SERVERS)),
        "streams", Map.of("workspace-events", Map.of("service", "kafka-main", "topic", "ws events")))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("streams.workspace-events.topic: topic 'ws events' is invalid");
  }

  @Test
  void kbaseListenerTopicFollowsKBaseRulesWhenStrict() {
    Properties p = new Properties();
    p.setProperty("listeners", "Kafka");
    p.setProperty("listener-Kafka-class", "kafka");
    p.setProperty("listener-Kafka-config-bootstrap.servers", SERVERS);
    p.setProperty("listener-Kafka-config-topicStrict", "true");
    p.setProperty("listener-Kafka-config-topic", "workspace_events");
    assertThatThrownBy(() -> EventRelayerGroup.fromProperties(p))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("listener-Kafka-config-topic: topic 'workspace_events' is invalid")
        .hasMessageContaining("KBase's rule");
    p.setProperty("listener-Kafka-config-topic", "workspaceevents");
    p.setProperty("listener-Kafka-config-linger.ms", "-1");
    assertThatThrownBy(() -> EventRelayerGroup.fromProperties(p))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("listener-Kafka-config-linger.ms: is not valid");
  }
}
