package org.eventrelayer.cdn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.ConfigException;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.cdn.testing.FakeCloudflare;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.junit.jupiter.api.Test;

/** {@code type: cloudflare} against a stand-in enforcing Cloudflare's documented purge contract on loopback. */
class CloudflareTest extends StandInTestSupport {

  private FakeCloudflare fake(int maxUrls, ServerBucket requests, ServerBucket urls) {
    FakeCloudflare f = new FakeCloudflare("023e105f4ecef8ad9ca31a8372d0c353", "s3cr3t-token", maxUrls, requests, urls);
    return closedAfter(f);
  }

  private EventRelayerGroup group(FakeCloudflare f, Object... kv) {
    return group("cloudflare", Map.of("type", "cloudflare", "baseUrl", f.baseUrl(),
        "zone", "023e105f4ecef8ad9ca31a8372d0c353", "apiToken", "s3cr3t-token"), kv);
  }

  private static List<Map<String, Object>> urls(int n) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Map.of("url", "https://www.example.com/page/" + i));
    }
    return out;
  }

  @Test
  void urlsArePurgedInRequestsOfAtMostTheDocumentedHundred() {
    FakeCloudflare f = fake(100, new ServerBucket(500, 50), new ServerBucket(3000, 3000));
    EventRelayerGroup g = group(f, "plan", "pro", "maxBatchEvents", "1000");

    DeliveryReport report = purge(g, urls(950));

    assertThat(report.allDelivered()).as(String.valueOf(report.firstFailure())).isTrue();
    assertThat(f.purged().all()).hasSize(950).doesNotHaveDuplicates();
    assertThat(f.gate().requests()).isBetween(10, 20); // 100 URLs a request at most: at least ten requests
  }

  @Test
  void enterpriseSendsFiveHundredAndTheLimitIsCheckedAtBuildTime() {
    FakeCloudflare f = fake(500, new ServerBucket(500, 50), new ServerBucket(3000, 3000));
    EventRelayerGroup g = group(f, "plan", "enterprise", "maxBatchEvents", "1000");
    assertThat(purge(g, urls(1000)).allDelivered()).isTrue();
    assertThat(f.gate().requests()).isBetween(2, 4);

    assertThatThrownBy(() -> group(f, "plan", "pro", "maxUrlsPerRequest", "500"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("maxUrlsPerRequest")
        .hasMessageContaining("enterprise");
  }

  @Test
  void theLocalBucketKeepsWithinThePlansRateSoTheApiNeverSays429() {
    // The client's bucket: a burst of 3 requests, then 4 a second. The stand-in's allows 5 a second, the margin
    // for network jitter (two requests sent 250 ms apart may arrive closer together).
    FakeCloudflare f = fake(100, new ServerBucket(3, 5), new ServerBucket(3000, 3000));
    EventRelayerGroup g = group(f, "plan", "pro", "maxUrlsPerRequest", "10", "requestBurst", "3",
        "requestsPerSecond", "4", "maxBatchEvents", "100");

    assertThat(purge(g, urls(100)).allDelivered()).isTrue(); // ten requests: three at once, then paced

    assertThat(f.gate().limited()).isZero();
    assertThat(f.purged().all()).hasSize(100);
  }

  @Test
  void a429IsHonouredAndThePurgesArriveAfterTheWait() {
    // The client believes it may send 100 requests a second; the API allows a burst of 2, then 1 a second.
    FakeCloudflare f = fake(100, new ServerBucket(2, 1), new ServerBucket(3000, 3000));
    EventRelayerGroup g = group(f, "plan", "enterprise", "maxUrlsPerRequest", "10", "maxBatchEvents", "10",
        "requestsPerSecond", "100", "requestBurst", "100");

    DeliveryReport report = purge(g, urls(40));

    assertThat(report.allDelivered()).isTrue();
    assertThat(f.gate().limited()).isPositive();
    assertThat(f.gate().violations()).as("requests sent while Retry-After ran").isZero();
    assertThat(f.purged().all()).hasSize(40).doesNotHaveDuplicates();
  }

  @Test
  void aWrongTokenIsRetriedNotLostAndNeverShown() {
    FakeCloudflare f = fake(100, new ServerBucket(500, 50), new ServerBucket(3000, 3000));
    EventRelayerGroup g = group(f, "apiToken", "wrong-token-value", "plan", "enterprise");
    RelayResult r = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", urls(3));
    org.awaitility.Awaitility.await().atMost(PATIENCE)
        .until(() -> g.serviceStats().get("cloudflare").retries() >= 2);
    String lastError = g.serviceStats().get("cloudflare").lastError();
    assertThat(lastError).contains("403").contains("apiToken").doesNotContain("wrong-token-value");
    assertThat(r.delivery()).isNotDone();
    assertThat(g.serviceStats().get("cloudflare").deadLettered()).isZero();
  }

  @Test
  void configErrorsNameTheKey() {
    FakeCloudflare f = fake(100, new ServerBucket(1, 1), new ServerBucket(1, 1));
    assertThatThrownBy(() -> group(f, "zone", "not a zone")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("zone");
    assertThatThrownBy(() -> group(f, "plan", "gold")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("plan");
    assertThatThrownBy(() -> group(f, "baseUrl", "ftp://x")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("baseUrl");
  }
}
