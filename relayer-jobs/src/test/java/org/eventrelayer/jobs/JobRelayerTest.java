package org.eventrelayer.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.core.EventSignatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code job} relayer type: config checks, refusals at notify, and signatures a verifier accepts. */
@Timeout(60)
class JobRelayerTest {

  private static JobIntake intake;

  @BeforeAll
  static void startIntake() throws Exception {
    intake = new JobIntake();
  }

  @AfterAll
  static void stopIntake() {
    intake.close();
  }

  private static Map<String, Object> jobsEntry(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "job");
    m.put("stream", "mediawiki.job");
    m.put("secret", RunJobClient.SECRET);
    m.put("domain", "en.example.org");
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        m.remove((String) kv[i]);
      } else {
        m.put((String) kv[i], kv[i + 1]);
      }
    }
    return m;
  }

  private static EventRelayerGroup group(String channel, Map<String, Object> entry) {
    Map<String, Object> relayers = new LinkedHashMap<>();
    relayers.put(channel, entry);
    if (!channel.equals("default")) {
      relayers.put("default", Map.of("type", "none"));
    }
    return EventRelayerGroup.fromMap(Map.of("relayers", relayers,
        "eventServices", Map.of("eventgate", intake.serviceConfig())));
  }

  @Test
  void configMistakesNameTheKeyAndNeverShowTheSecret() {
    assertThatThrownBy(() -> group("default", jobsEntry()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("relayers.default.type");
    assertThatThrownBy(() -> group("jobs", jobsEntry("secret", null)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("relayers.jobs.secret");
    assertThatThrownBy(() -> group("jobs", jobsEntry("domain", null)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("relayers.jobs.domain")
        .message().doesNotContain(RunJobClient.SECRET);
    assertThatThrownBy(() -> group("jobs", jobsEntry("secret", List.of("a"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("relayers.jobs.secret");
    try (EventRelayerGroup g = group("jobs", jobsEntry("type", "JobQueueEventBus"))) { // MediaWiki's class name
      assertThat(g.relayerStats().get("jobs").type()).isEqualTo("job");
      assertThat(g.getRelayer("jobs").toString()).doesNotContain(RunJobClient.SECRET);
      assertThat(g.toString()).doesNotContain(RunJobClient.SECRET);
    }
  }

  @Test
  void badJobsAreRefusedAtNotifyWithAReason() {
    try (EventRelayerGroup g = group("jobs", jobsEntry())) {
      EventRelayer jobs = g.getRelayer("jobs");
      assertRefused(jobs.notify("jobs", Map.of("database", "enwiki", "params", Map.of())),
          RefusalReason.INVALID_EVENT, "'type'");
      assertRefused(jobs.notify("jobs", Map.of("database", "enwiki", "type", "deleteJob", "params", List.of())),
          RefusalReason.INVALID_EVENT, "'params' must be a map");
      assertRefused(jobs.notify("jobs", Map.of("type", "deleteJob", "params", Map.of())),
          RefusalReason.INVALID_EVENT, "no default database");
      assertRefused(jobs.notify("jobs", Map.of("database", "enwiki", "type", "t", "params", Map.of(), "tite", 1)),
          RefusalReason.INVALID_EVENT, "unknown field 'tite'");
      assertRefused(jobs.notify("jobs", Map.of("database", "enwiki", "type", "t", "params", Map.of(), "uri", "x")),
          RefusalReason.INVALID_EVENT, "'uri' must be an absolute URI");
      assertRefused(jobs.notify("jobs", Map.of("database", "enwiki", "type", "t", "params", Map.of(), "request_id", 5)),
          RefusalReason.INVALID_EVENT, "'request_id' must be a string");
      assertRefused(jobs.notify("jobs", Map.of("database", "enwiki", "type", "t", "params", Map.of("o", new Object()))),
          RefusalReason.UNSERIALIZABLE, "'params' cannot be written as JSON");
      assertRefused(jobs.notify("other", Map.of("database", "enwiki", "type", "t", "params", Map.of())),
          RefusalReason.WRONG_CHANNEL, "does not serve channel 'other'");
      assertThat(jobs.stats().accepted()).isZero();
    }
  }

  private static void assertRefused(RelayResult r, RefusalReason reason, String detail) {
    assertThat(r.accepted()).isZero();
    assertThat(r.refused()).hasSize(1);
    assertThat(r.refused().get(0).reason()).isEqualTo(reason);
    assertThat(r.refused().get(0).detail()).contains(detail);
  }

  @Test
  void signaturesAreHmacSha1OfTheCompactEventWithoutTheFieldEvenForNumbersJsonRewrites() throws Exception {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("price", new BigDecimal("1.10")); // JSON reads it back as 1.1: signed as a reader sees it
    params.put("big", new BigInteger("123456789012345678901234567890"));
    params.put("ratio", 1e20);
    params.put("text", "ünïcödé / \"quoted\" \u2028");
    params.put("nested", Map.of("list", List.of(1, 2.5f, true)));
    int before = intake.received().size();
    try (EventRelayerGroup g = group("jobs", jobsEntry())) {
      RelayResult r = g.getRelayer("jobs").notify("jobs", Map.of("database", "enwiki", "type", "t", "params", params,
          "uri", "https://en.example.org/wiki/Special:Badtitle"));
      assertThat(r.accepted()).isEqualTo(1);
      assertThat(r.awaitDelivery(Duration.ofSeconds(30))).get().extracting(d -> d.allDelivered()).isEqualTo(true);
    }
    String event = intake.received().get(before);

    assertThat(EventSignatures.of(RunJobClient.SECRET, "HmacSHA1", "mediawiki_signature").verify(event)).isTrue();
    assertThat(EventSignatures.of("other", "HmacSHA1", "mediawiki_signature").verify(event)).isFalse();
    // Independently of EventSignatures: hex HMAC-SHA1 over the compact JSON without the field.
    ObjectNode tree = (ObjectNode) RunJobClient.JSON.readTree(event);
    String claimed = tree.remove("mediawiki_signature").asText();
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(RunJobClient.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    assertThat(claimed).isEqualTo(HexFormat.of().formatHex(mac.doFinal(RunJobClient.JSON.writeValueAsBytes(tree))));
    assertThat(tree.path("meta").path("uri").asText()).isEqualTo("https://en.example.org/wiki/Special:Badtitle");
    assertThat(tree.has("page_title")).isFalse(); // no namespace/title in these params
    JsonNode sent = tree.path("params");
    assertThat(sent.path("price").asDouble()).isEqualTo(1.1);
    assertThat(sent.path("big").bigIntegerValue()).isEqualTo(new BigInteger("123456789012345678901234567890"));

    try (JobRunner runner = JobRunner.builder().enabled(true).secret(RunJobClient.SECRET)
        .handler("t", job -> { }).build()) {
      JobRunner.Response answer = runner.handle("POST", "application/json", event.getBytes(StandardCharsets.UTF_8));
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }
  }
}
