package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

class GroupConfigReaderTest {

  @Test
  void readsYamlAsTheMapFormKeepingNestedKeysAndLists() throws Exception {
    StandardEnvironment env = yaml("""
        eventrelayer:
          relayers:
            cdn-url-purges: {type: cdn-purge, stream: resource-purge, tags: [mediawiki, cdn]}
            default: {type: none}
          event-services:
            eventgate: {type: http, url: "http://127.0.0.1:${intake.port}/v1/events", maxBatchBytes: 4MiB}
            kafka-main: {type: kafka, bootstrap.servers: "127.0.0.1:9092"}
          eventServiceDefault: eventgate
          close-timeout: 5s
        intake.port: 8192
        other.key: untouched
        """);

    Map<String, Object> config = GroupConfigReader.read(env);

    assertThat(config).containsOnlyKeys("relayers", "eventServices", "eventServiceDefault", "closeTimeout");
    assertThat(config.get("relayers")).isEqualTo(Map.of(
        "cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge", "tags", List.of("mediawiki", "cdn")),
        "default", Map.of("type", "none")));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) config.get("eventServices");
    assertThat(services.get("eventgate"))
        .containsEntry("url", "http://127.0.0.1:8192/v1/events")
        .containsEntry("maxBatchBytes", "4MiB");
    assertThat(services.get("kafka-main")).containsEntry("bootstrap", Map.of("servers", "127.0.0.1:9092"));
    assertThat(config.get("closeTimeout")).isEqualTo("5s");
  }

  @Test
  void keepsUnknownTopLevelKeysForTheLibraryToName() throws Exception {
    StandardEnvironment env = yaml("""
        eventrelayer:
          eventServces: {eventgate: {type: http}}
        """);

    assertThat(GroupConfigReader.read(env)).containsOnlyKeys("eventServces");
  }

  @Test
  void environmentVariableSpellingReachesTheGroupKeys() {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().addFirst(new MapPropertySource("env-like",
        Map.of("eventrelayer.eventservices.eventgate.url", "http://127.0.0.1:1/v1/events",
            "eventrelayer.closetimeout", "3s")));

    Map<String, Object> config = GroupConfigReader.read(env);

    assertThat(config).containsEntry("closeTimeout", "3s");
    assertThat(config.get("eventServices")).isEqualTo(Map.of("eventgate", Map.of("url", "http://127.0.0.1:1/v1/events")));
  }

  @Test
  void kbaseListenerKeysPassAsWritten() throws Exception {
    StandardEnvironment env = yaml("""
        eventrelayer:
          listeners: Kafka
          listener-Kafka-class: kafka
          listener-Kafka-config-topic: workspaceevents
        """);

    assertThat(GroupConfigReader.read(env)).containsExactlyInAnyOrderEntriesOf(Map.of("listeners", "Kafka",
        "listener-Kafka-class", "kafka", "listener-Kafka-config-topic", "workspaceevents"));
  }

  @Test
  void theOutboxSettingsAreLeftOutInEverySpelling() throws Exception {
    StandardEnvironment env = yaml("""
        eventrelayer:
          outbox: {table: host_outbox, poll-interval: 250ms}
          Outbox.batch-size: 50
          close-timeout: 5s
        """);

    assertThat(GroupConfigReader.read(env)).containsOnlyKeys("closeTimeout");
  }

  @Test
  void nothingConfiguredIsAnEmptyMap() {
    assertThat(GroupConfigReader.read(new StandardEnvironment())).isEmpty();
  }

  private static StandardEnvironment yaml(String text) throws Exception {
    StandardEnvironment env = new StandardEnvironment();
    new YamlPropertySourceLoader().load("test.yml", new ByteArrayResource(text.getBytes()))
        .forEach(env.getPropertySources()::addFirst);
    return env;
  }
}
