package org.eventrelayer.examples.demo.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class OutboxDemoTest {

  @Test
  void everyCommittedPurgeArrivesAndNoRolledBackOneDoes() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    OutboxDemo.Summary s = OutboxDemo.run(Duration.ofSeconds(1), 1000, 5, OutboxDemoTest::config,
        new PrintStream(buffer, true, StandardCharsets.UTF_8));
    String output = buffer.toString(StandardCharsets.UTF_8);
    assertThat(s.ok()).as(output).isTrue();
    assertThat(s.committedSaves()).isPositive();
    assertThat(s.rolledBackSaves()).isPositive().isLessThan(s.committedSaves());
    assertThat(s.rolledBackUrls()).isPositive();
    assertThat(s.maxPending()).as("rows waited in the table while the intake was down").isPositive();
    assertThat(s.stats().coalesced()).as("the hot URL of saves claimed together went once").isPositive();
    assertThat(s.stats().relayed()).isEqualTo(s.committedSaves() * 5);
    assertThat(output).contains("--- down", "=== summary", "result            OK");
  }

  private static Properties config(String url) throws java.io.IOException {
    Properties p = new Properties();
    try (InputStream in = OutboxDemoTest.class.getClassLoader().getResourceAsStream("demo/eventrelayer.properties")) {
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
    p.replaceAll((k, v) -> ((String) v).replace("${intake.url}", url));
    return p;
  }
}
