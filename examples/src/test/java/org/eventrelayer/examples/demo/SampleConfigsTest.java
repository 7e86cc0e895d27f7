package org.eventrelayer.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Properties;
import org.eventrelayer.EventRelayerGroup;
import org.junit.jupiter.api.Test;

/** The demo's sample configs build as they are shipped (building touches no network). */
class SampleConfigsTest {

  @Test
  void httpSampleBuilds() throws Exception {
    Properties p = PurgeDemo.sample(PurgeDemo.HTTP_CONFIG, "intake.url", "http://127.0.0.1:9/v1/events");
    assertThat(p.getProperty("eventServices.eventgate.url")).isEqualTo("http://127.0.0.1:9/v1/events");
    try (EventRelayerGroup group = EventRelayerGroup.fromProperties(p)) {
      assertThat(group.relayerNames()).contains(PurgeDemo.CHANNEL, "default");
      assertThat(group.serviceStats()).containsOnlyKeys("eventgate");
      assertThat(group.serviceStats().get("eventgate").type()).isEqualTo("http");
      group.close(Duration.ofSeconds(5));
    }
  }

  @Test
  void kafkaSampleBuilds() throws Exception {
    Properties p = PurgeDemo.sample(PurgeDemo.KAFKA_CONFIG, "bootstrap.servers", "127.0.0.1:9");
    assertThat(p.stringPropertyNames()).noneMatch(k -> p.getProperty(k).contains("${"));
    try (EventRelayerGroup group = EventRelayerGroup.fromProperties(p)) {
      assertThat(group.relayerNames()).contains(PurgeDemo.CHANNEL);
      assertThat(group.serviceStats().get("kafka").type()).isEqualTo("kafka");
      group.close(Duration.ofMillis(500));
    }
  }
}
