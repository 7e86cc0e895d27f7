package org.eventrelayer.cdn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.ConfigException;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.cdn.testing.FakeFastly;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.junit.jupiter.api.Test;

/** {@code type: fastly} against a stand-in enforcing Fastly's documented purge contract on loopback. */
class FastlyTest extends StandInTestSupport {

  private FakeFastly fake(ServerBucket bucket) {
    FakeFastly f = new FakeFastly("fastly-key-1", "SU1Z0isxPaozGVKXdv0eY", bucket);
    return closedAfter(f);
  }

  private EventRelayerGroup group(FakeFastly f, Object... kv) {
    return group("fastly", Map.of("type", "fastly", "baseUrl", f.baseUrl(), "apiKey", "fastly-key-1"), kv);
  }

  private static List<Map<String, Object>> urls(String host, int n) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Map.of("url", "https://" + host + "/article/" + i + "?lang=en"));
    }
    return out;
  }

  @Test
  void eachUrlIsPurgedByItsOwnRequestAndSoftPurgeIsASetting() {
    FakeFastly f = fake(new ServerBucket(10_000, 10_000));
    EventRelayerGroup g = group(f, "soft", "true");

    assertThat(purge(g, urls("www.example.com", 50)).allDelivered()).isTrue();

    assertThat(f.purged().all()).hasSize(50).doesNotHaveDuplicates()
        .contains("https://www.example.com/article/7?lang=en");
    assertThat(f.softPurges()).isEqualTo(50);
  }

  @Test
  void surrogateKeysGoAtMost256ARequestAndOneKeyServesEveryHost() {
    FakeFastly f = fake(new ServerBucket(10_000, 10_000));
    EventRelayerGroup g = group(f, "mode", "key", "serviceId", "SU1Z0isxPaozGVKXdv0eY", "maxBatchEvents", "2000");
    List<Map<String, Object>> events = new ArrayList<>(urls("www.example.com", 600));
    events.addAll(urls("m.example.com", 600)); // same paths: same keys

    assertThat(purge(g, events).allDelivered()).isTrue();

    assertThat(f.keys().all()).hasSize(600).doesNotHaveDuplicates().contains("/article/0?lang=en");
    assertThat(f.largestKeyBatch()).isEqualTo(256);
    assertThat(f.softPurges()).isZero();
  }

  @Test
  void aRateLimitAnswerIsHonouredUntilItsReset() {
    FakeFastly f = fake(new ServerBucket(5, 2));
    EventRelayerGroup g = group(f, "maxBatchEvents", "5", "connections", "1");

    assertThat(purge(g, urls("www.example.com", 12)).allDelivered()).isTrue();

    assertThat(f.gate().limited()).isPositive();
    assertThat(f.gate().violations()).as("requests sent before Fastly-RateLimit-Reset").isZero();
    assertThat(f.purged().all()).hasSize(12).doesNotHaveDuplicates();
  }

  @Test
  void aWrongKeyIsRetriedNotLostAndNeverShown() {
    FakeFastly f = fake(new ServerBucket(10_000, 10_000));
    EventRelayerGroup g = group(f, "apiKey", "not-the-key-123");
    RelayResult r = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", urls("www.example.com", 2));
    await().atMost(PATIENCE).until(() -> g.serviceStats().get("fastly").retries() >= 2);
    assertThat(g.serviceStats().get("fastly").lastError()).contains("401").contains("apiKey")
        .doesNotContain("not-the-key-123");
    assertThat(r.delivery()).isNotDone();
  }

  @Test
  void configErrorsNameTheKey() {
    FakeFastly f = fake(new ServerBucket(1, 1));
    assertThatThrownBy(() -> group(f, "mode", "key")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("serviceId");
    assertThatThrownBy(() -> group(f, "maxKeysPerRequest", "300", "mode", "key", "serviceId", "x"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("maxKeysPerRequest");
    assertThatThrownBy(() -> group(f, "serviceId", "abc")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("mode: key");
  }
}
