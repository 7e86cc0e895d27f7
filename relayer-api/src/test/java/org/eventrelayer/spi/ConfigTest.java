package org.eventrelayer.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eventrelayer.ConfigException;
import org.junit.jupiter.api.Test;

class ConfigTest {

  private static Config config(Map<String, ?> values) {
    return Config.of("eventServices.eg", values);
  }

  @Test
  void durationsAcceptUnitsIsoAndBareMilliseconds() {
    Config c = config(Map.of("a", "250ms", "b", "10s", "c", "PT10S", "d", "1500", "e", 2000, "f", "1.5m", "g", "2h",
        "h", "1d"));
    assertThat(c.getDuration("a", null)).isEqualTo(Duration.ofMillis(250));
    assertThat(c.getDuration("b", null)).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.getDuration("c", null)).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.getDuration("d", null)).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.getDuration("e", null)).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.getDuration("f", null)).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.getDuration("g", null)).isEqualTo(Duration.ofHours(2));
    assertThat(c.getDuration("h", null)).isEqualTo(Duration.ofDays(1));
    assertThat(c.getDuration("missing", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void badValuesFailNamingTheFullKey() {
    Config c = config(Map.of("timeout", "ten seconds", "n", "x", "size", "4 parsecs", "flag", "yes",
        "range", "99", "neg", "-PT1S"));
    assertThatThrownBy(() -> c.getDuration("timeout", null)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("eventServices.eg.timeout: is not a duration: 'ten seconds'");
    assertThatThrownBy(() -> c.getInt("n", 1, 0, 10)).hasMessageContaining("eventServices.eg.n");
    assertThatThrownBy(() -> c.getBytes("size", 1, 0, 100)).hasMessageContaining("is not a size");
    assertThatThrownBy(() -> c.getBoolean("flag", false)).hasMessageContaining("must be true or false");
    assertThatThrownBy(() -> c.getInt("range", 1, 0, 10)).hasMessageContaining("between 0 and 10");
    assertThatThrownBy(() -> c.getDuration("neg", null)).hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> c.requireString("absent")).hasMessage("eventServices.eg.absent: is required");
  }

  @Test
  void secretValuesAreNeverEchoed() {
    Config c = config(Map.of("headers.Authorization", "Bearer s3cr3t", "sasl.jaas.config", "pw=hunter2",
        "trustStorePassword", "changeit"));
    assertThatThrownBy(() -> c.getDuration("headers.Authorization", null))
        .hasMessageNotContaining("s3cr3t").hasMessageContaining("(value hidden)");
    assertThatThrownBy(() -> c.getInt("sasl.jaas.config", 0, 0, 1)).hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> c.getBoolean("trustStorePassword", false)).hasMessageNotContaining("changeit");
  }

  @Test
  void sizesListsSubMapsAndUrls() {
    Config c = config(Map.of("a", "4MiB", "b", "512KiB", "c", 4096, "tags", "mediawiki, purge,,", "list",
        List.of("x", "y"), "headers.Authorization", "Bearer t", "headers.X-Req", "1", "url",
        "https://intake.example.org:8443/v1/events", "bad", "ftp://x/", "cred", "http://u:p@h/"));
    assertThat(c.getBytes("a", 0, 0, Long.MAX_VALUE)).isEqualTo(4L << 20);
    assertThat(c.getBytes("b", 0, 0, Long.MAX_VALUE)).isEqualTo(512L << 10);
    assertThat(c.getBytes("c", 0, 0, Long.MAX_VALUE)).isEqualTo(4096);
    assertThat(c.getList("tags")).containsExactly("mediawiki", "purge");
    assertThat(c.getList("list")).containsExactly("x", "y");
    assertThat(c.getSubMap("headers")).containsOnly(Map.entry("Authorization", "Bearer t"),
        Map.entry("X-Req", "1"));
    assertThat(c.requireHttpUrl("url").getPort()).isEqualTo(8443);
    assertThatThrownBy(() -> c.requireHttpUrl("bad")).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> c.requireHttpUrl("cred")).hasMessageContaining("must not carry credentials")
        .hasMessageNotContaining("u:p");
  }

  @Test
  void remembersWhichKeysWereRead() {
    Config c = config(Map.of("url", "http://h/", "timout", "1s", "headers.A", "1"));
    c.getString("url");
    c.getSubMap("headers");
    assertThat(c.unusedKeys()).containsExactly("timout");
    c.markUsed("timout");
    assertThat(c.unusedKeys()).isEmpty();
  }

  @Test
  void kbaseStyleEntriesJoinKeysWithDashes() {
    Config c = Config.of("listener-Kafka-config", "-", Map.of());
    assertThat(c.fullKey("topic")).isEqualTo("listener-Kafka-config-topic");
  }
}
