package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.testkit.ResourceChangeSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the cdn-purge relayer emits, read back from the bytes the engine hands a transport. */
class CdnPurgeEventsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<EventRelayerGroup> groups = new ArrayList<>();
  private final String service = Groups.uniqueService();

  @AfterEach
  void close() {
    groups.forEach(EventRelayerGroup::close);
  }

  private List<JsonNode> relay(Map<String, Object> relayerConfig, List<Map<String, ?>> events) throws Exception {
    EventRelayerGroup g = Groups.purgeGroup(service, relayerConfig, Map.of());
    groups.add(g);
    RelayResult r = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", events);
    assertThat(r.refused()).isEmpty();
    assertThat(g.flush(Duration.ofSeconds(30))).isTrue();
    List<JsonNode> out = new ArrayList<>();
    for (String json : ScriptedTransport.of(service).events()) {
      assertThat(ResourceChangeSchema.problems(json)).as(json).isEmpty();
      out.add(JSON.readTree(json));
    }
    return out;
  }

  @Test
  void eachUrlBecomesASchemaValidResourceChangeEvent() throws Exception {
    List<JsonNode> events = relay(Map.of("domain", "en.example.org", "tags", List.of("mediawiki", "purge")),
        List.of(Map.of("url", "https://en.example.org/wiki/Main_Page", "timestamp", 1_795_000_000,
            "request_id", "req-42")));
    JsonNode e = events.get(0);
    assertThat(e.path("$schema").asText()).isEqualTo("/resource_change/1.0.0");
    JsonNode meta = e.path("meta");
    assertThat(meta.path("uri").asText()).isEqualTo("https://en.example.org/wiki/Main_Page");
    // A random (version 4) UUID in canonical form.
    assertThat(UUID.fromString(meta.path("id").asText())).hasToString(meta.path("id").asText())
        .satisfies(u -> assertThat(u.version()).isEqualTo(4));
    assertThat(meta.path("dt").asText()).isEqualTo("2026-11-18T11:06:40.000Z");
    assertThat(meta.path("domain").asText()).isEqualTo("en.example.org");
    assertThat(meta.path("stream").asText()).isEqualTo("resource-purge");
    assertThat(meta.path("request_id").asText()).isEqualTo("req-42");
    assertThat(e.path("tags")).extracting(JsonNode::asText).containsExactly("mediawiki", "purge");
  }

  @Test
  void domainDefaultsToEachUrlsHostAndTimestampsAcceptEveryForm() throws Exception {
    Map<String, Object> millis = Map.of("url", "http://upload.example.org:8080/a.png", "timestamp", 1_795_000_000_123L);
    Map<String, Object> iso = Map.of("url", "https://m.example.org/wiki/X?action=raw", "timestamp",
        "2026-11-23T05:38:05.123+01:00");
    Map<String, Object> none = Map.of("url", "https://[2001:db8::1]/wiki/Y");
    Instant before = Instant.now().minusMillis(1);
    List<JsonNode> events = relay(Map.of(), List.of(millis, iso, none));
    Map<String, JsonNode> byUri = new HashMap<>();
    events.forEach(e -> byUri.put(e.path("meta").path("uri").asText(), e.path("meta")));
    assertThat(byUri.get("http://upload.example.org:8080/a.png").path("domain").asText())
        .isEqualTo("upload.example.org");
    assertThat(byUri.get("http://upload.example.org:8080/a.png").path("dt").asText())
        .isEqualTo("2026-11-18T11:06:40.123Z");
    assertThat(byUri.get("https://m.example.org/wiki/X?action=raw").path("dt").asText())
        .isEqualTo("2026-11-23T04:38:05.123Z");
    JsonNode v6 = byUri.get("https://[2001:db8::1]/wiki/Y");
    assertThat(v6.path("domain").asText()).isEqualTo("[2001:db8::1]");
    assertThat(Instant.parse(v6.path("dt").asText())).isAfterOrEqualTo(before.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    assertThat(events.get(0).has("tags")).isFalse();
    assertThat(v6.has("request_id")).isFalse();
  }

  @Test
  void oneEventPerDistinctUrlInACall() throws Exception {
    List<JsonNode> events = relay(Map.of(), List.of(
        Map.of("url", "https://en.example.org/a"), Map.of("url", "https://en.example.org/b"),
        Map.of("url", "https://en.example.org/a")));
    assertThat(events).extracting(e -> e.path("meta").path("uri").asText())
        .containsExactlyInAnyOrder("https://en.example.org/a", "https://en.example.org/b");
  }

  @Test
  void refusesWhatCannotBecomeAValidEventAndSaysWhy() {
    EventRelayerGroup g = Groups.purgeGroup(service, Map.of(), Map.of());
    groups.add(g);
    List<Map<String, ?>> events = new ArrayList<>();
    events.add(Map.of("url", 42));
    events.add(Map.of("url", "https://en.example.org/a b"));
    events.add(Map.of("url", "https://en.example.org/caf\u00e9"));
    events.add(Map.of("url", "https://en.example.org/%zz"));
    events.add(Map.of("url", "https:///nohost"));
    events.add(Map.of("url", "https://en.example.org:80x/"));
    events.add(Map.of("url", "https://en.example.org/ok", "timestamp", "yesterday"));
    events.add(Map.of("url", "https://en.example.org/ok", "timestamp", -5));
    events.add(Map.of("url", "https://en.example.org/ok", "request_id", List.of()));
    events.add(Map.of("url", "https://en.example.org/ok", "request_id", "\ud800"));
    events.add(Map.of("url", "   "));
    RelayResult r = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", events);
    assertThat(r.accepted()).isZero();
    assertThat(r.refused()).extracting(x -> x.reason().code()).containsExactly(
        "invalid-url", "invalid-url", "invalid-url", "invalid-url", "invalid-url", "invalid-url",
        "invalid-event", "invalid-event", "invalid-event", "unserializable", "missing-url");
    assertThat(r.refused().get(1).detail()).contains("whitespace").contains("position 24");
    assertThat(r.refused().get(2).detail()).contains("percent-encode");
    assertThat(g.getRelayer("cdn-url-purges").notify("other-channel", Map.of("url", "https://x.org/")).refused())
        .singleElement().satisfies(x -> assertThat(x.reason()).isEqualTo(RefusalReason.WRONG_CHANNEL));
    assertThat(g.relayerStats().get("cdn-url-purges").refused())
        .containsEntry(RefusalReason.INVALID_URL, 6L).containsEntry(RefusalReason.WRONG_CHANNEL, 1L);
  }
}
