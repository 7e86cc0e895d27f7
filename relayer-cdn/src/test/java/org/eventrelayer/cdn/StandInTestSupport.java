package org.eventrelayer.cdn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.junit.jupiter.api.AfterEach;

/** What the CDN transports' tests share: groups with one purge relayer on the service under test, closed after. */
abstract class StandInTestSupport {

  static final Duration PATIENCE = Duration.ofSeconds(60);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  /** Closes {@code c} after the test (after the groups). */
  <T extends AutoCloseable> T closedAfter(T c) {
    open.add(c);
    return c;
  }

  /**
   * A group whose {@code cdn-url-purges} relayer (and {@code raw}, which sends events as given) feeds a service named {@code name}: {@code base} plus quick
   * retries, overridden by the {@code kv} pairs.
   */
  EventRelayerGroup group(String name, Map<String, Object> base, Object... kv) {
    Map<String, Object> svc = new LinkedHashMap<>(base);
    svc.putIfAbsent("retry.initialBackoff", "20ms");
    svc.putIfAbsent("retry.maxBackoff", "200ms");
    svc.putIfAbsent("retry.maxAttempts", "1000");
    for (int i = 0; i < kv.length; i += 2) {
      svc.put((String) kv[i], kv[i + 1]);
    }
    EventRelayerGroup g = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge"),
            "raw", Map.of("type", "stream", "stream", "resource-purge"),
            "default", Map.of("type", "none")),
        "eventServices", Map.of(name, svc)));
    open.add(0, () -> g.close(Duration.ofSeconds(5)));
    return g;
  }

  /** Relays {@code events} and waits for their outcome. */
  static DeliveryReport purge(EventRelayerGroup g, List<Map<String, Object>> events) {
    RelayResult r = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", events);
    assertThat(r.accepted()).isEqualTo(events.size());
    return r.awaitDelivery(PATIENCE).orElseThrow();
  }
}
