package org.eventrelayer.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoOptionsTest {

  @Test
  void defaultsRunTheEmbeddedIntake() {
    DemoOptions o = DemoOptions.parse();
    assertThat(o.embedded()).isTrue();
    assertThat(o.phase).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.rate).isEqualTo(2000);
    assertThat(o.batch).isEqualTo(10);
    assertThat(o.plain).isFalse();
    assertThat(o.help).isFalse();
  }

  @Test
  void readsBothFlagForms() {
    DemoOptions o = DemoOptions.parse("--seconds-per-phase=2.5", "--rate", "5_000", "--batch=50", "--plain");
    assertThat(o.phase).isEqualTo(Duration.ofMillis(2500));
    assertThat(o.rate).isEqualTo(5000);
    assertThat(o.batch).isEqualTo(50);
    assertThat(o.plain).isTrue();
  }

  @Test
  void targetsLeaveTheEmbeddedIntake(@TempDir Path dir) throws Exception {
    assertThat(DemoOptions.parse("--url", "http://127.0.0.1:8192/v1/events").embedded()).isFalse();
    assertThat(DemoOptions.parse("--kafka", "127.0.0.1:9092,127.0.0.1:9093").kafka)
        .isEqualTo("127.0.0.1:9092,127.0.0.1:9093");
    Path file = Files.writeString(dir.resolve("group.properties"), "relayers.default.type=null\n");
    assertThat(DemoOptions.parse("--config", file.toString()).config).isEqualTo(file);
  }

  @Test
  void refusesMistakesWithAMessage(@TempDir Path dir) {
    assertThatThrownBy(() -> DemoOptions.parse("--rate")).hasMessage("--rate needs a value");
    assertThatThrownBy(() -> DemoOptions.parse("--rate", "0")).hasMessageContaining("between 1 and");
    assertThatThrownBy(() -> DemoOptions.parse("--seconds-per-phase", "x")).hasMessageContaining("a number");
    assertThatThrownBy(() -> DemoOptions.parse("--url", "127.0.0.1:80")).hasMessageContaining("http://");
    assertThatThrownBy(() -> DemoOptions.parse("--kafka", "localhost")).hasMessageContaining("host:port");
    assertThatThrownBy(() -> DemoOptions.parse("--config", dir.resolve("missing").toString()))
        .hasMessageContaining("cannot read");
    assertThatThrownBy(() -> DemoOptions.parse("--url", "http://127.0.0.1:1/", "--kafka", "127.0.0.1:9092"))
        .hasMessageContaining("exclude each other");
    assertThatThrownBy(() -> DemoOptions.parse("--fast")).hasMessageContaining("unknown option: --fast");
  }
}
