package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Purges spooled in their compact form are built by the worker from the record alone, so what a replay sends after
 * a restart is byte for byte what the first run sent (same {@code meta.id}, same {@code meta.dt}, same everything).
 */
class SpoolReplayTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHANNEL = "cdn-url-purges";

  @TempDir Path spoolDir;
  private final List<EventRelayerGroup> groups = new ArrayList<>();
  private final String service = Groups.uniqueService();

  @AfterEach
  void closeAll() {
    groups.forEach(g -> g.close(Duration.ofSeconds(2)));
  }

  private EventRelayerGroup group(java.util.function.Function<Batch, SendResult> script) {
    ScriptedTransport.PRESETS.put(service, script);
    Map<String, Object> engine = new LinkedHashMap<>();
    engine.put("spoolDir", spoolDir.toString());
    engine.put("linger", "0ms");
    engine.put("maxBatchEvents", 25);
    engine.put("retry.initialBackoff", "1ms");
    engine.put("retry.maxBackoff", "5ms");
    engine.put("breaker.slidingWindowSize", 10_000); // the first run fails every send: keep the breaker closed
    engine.put("breaker.minimumNumberOfCalls", 10_000);
    EventRelayerGroup g = Groups.purgeGroup(service, Map.of("domain", "en.example.org",
        "tags", List.of("mediawiki", "ünïcode")), engine);
    groups.add(g);
    return g;
  }

  private static String id(byte[] json) {
    try {
      return JSON.readTree(json).path("meta").path("id").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The events of every batch, by meta.id, exactly as the transport got them. */
  private static void record(Batch b, Map<String, byte[]> into) {
    for (BatchEvent e : b.events()) {
      into.put(id(e.json()), e.json().clone());
    }
  }

  @Test
  void aReplayedPurgeIsByteIdenticalToWhatTheFirstRunSent() {
    Map<String, byte[]> firstRun = new ConcurrentHashMap<>();
    EventRelayerGroup first = group(b -> {
      record(b, firstRun);
      return SendResult.retryAll("the intake takes nothing today"); // sent, never final: replayed next start
    });
    EventRelayer r = first.getRelayer(CHANNEL);
    List<Map<String, Object>> purges = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("url", i % 3 == 0 ? "https://de.example.org/wiki/Stra%C3%9Fe_" + i : "https://en.example.org/w/" + i);
      p.put("timestamp", 1_700_000_000_000L + i * 1_234L);
      if (i % 2 == 0) {
        p.put("request_id", "req-" + i + "-ü");
      }
      purges.add(p);
    }
    org.eventrelayer.RelayResult accepted = r.notifyMulti(CHANNEL, purges);
    assertThat(accepted.refused()).isEmpty();
    await().atMost(PATIENCE).until(() -> firstRun.size() == 60);
    first.close(Duration.ofSeconds(2));
    assertThat(first.serviceStats().get(service).spooled()).isEqualTo(60);

    Map<String, byte[]> replay = new ConcurrentHashMap<>();
    EventRelayerGroup second = group(b -> {
      record(b, replay);
      return SendResult.delivered();
    });
    assertThat(second.flush(PATIENCE)).isTrue();
    ServiceStats s = second.serviceStats().get(service);
    assertThat(s.delivered()).isEqualTo(60);
    assertThat(replay.keySet()).isEqualTo(firstRun.keySet());
    for (Map.Entry<String, byte[]> e : firstRun.entrySet()) {
      assertThat(new String(replay.get(e.getKey()), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo(new String(e.getValue(), java.nio.charset.StandardCharsets.UTF_8));
      assertThat(replay.get(e.getKey())).isEqualTo(e.getValue());
    }
    String sample = new String(firstRun.values().iterator().next(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(sample).contains("\"$schema\":\"/resource_change/1.0.0\"", "\"domain\":\"en.example.org\"",
        "\"tags\":[\"mediawiki\",\"ünïcode\"]", "\"dt\":\"2023-11-1");
  }
}
