package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RelayResult;

/** Builds test groups over scripted services with unique names. */
final class Groups {

  private static final AtomicInteger SEQ = new AtomicInteger();

  private Groups() {}

  static String uniqueService() {
    return "svc" + SEQ.incrementAndGet();
  }

  /** A group with a cdn-purge relayer on {@code resource-purge} over one scripted service with these settings. */
  static EventRelayerGroup purgeGroup(String service, Map<String, Object> relayer, Map<String, Object> engine) {
    Map<String, Object> r = new LinkedHashMap<>(Map.of("type", "cdn-purge", "stream", "resource-purge"));
    r.putAll(relayer);
    Map<String, Object> s = new LinkedHashMap<>(Map.of("type", "scripted"));
    s.putAll(engine);
    return EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("cdn-url-purges", r, "default", Map.of("type", "null")),
        "eventServices", Map.of(service, s)));
  }

  /**
   * Asserts that a call answered every one of its {@code size} events exactly once: accepted, or refused once by
   * its index with a reason.
   */
  static void assertEveryEventAnswered(RelayResult r, int size) {
    Set<Integer> refused = new HashSet<>();
    for (Refusal x : r.refused()) {
      assertThat(x.index()).isBetween(0, size - 1);
      assertThat(x.detail()).isNotBlank();
      assertThat(refused.add(x.index())).isTrue();
    }
    assertThat(r.accepted() + r.refused().size()).isEqualTo(size);
  }

  /**
   * A group with a cdn-purge relayer on {@code cdn-url-purges} and a stream relayer on {@code workspace-events}
   * over one scripted service with these engine settings; other channels get the null relayer.
   */
  static EventRelayerGroup purgeAndStreamGroup(String service, Map<String, Object> engine) {
    Map<String, Object> s = new LinkedHashMap<>(Map.of("type", "scripted"));
    s.putAll(engine);
    return EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(
            "cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge"),
            "workspace-events", Map.of("type", "stream", "stream", "workspace-events"),
            "default", Map.of("type", "null")),
        "eventServices", Map.of(service, s)));
  }

  static List<Map<String, Object>> urls(int from, int n) {
    return java.util.stream.IntStream.range(from, from + n)
        .mapToObj(i -> Map.<String, Object>of("url", "https://en.example.org/wiki/Page_" + i))
        .toList();
  }
}
