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
import org.eventrelayer.cdn.testing.FakeAkamai;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.eventrelayer.testkit.EventGateIntake;
import org.junit.jupiter.api.Test;

/** {@code type: akamai} against a stand-in enforcing Akamai Fast Purge v3's documented contract on loopback. */
class AkamaiTest extends StandInTestSupport {

  private FakeAkamai fake(ServerBucket requests, ServerBucket urls) {
    FakeAkamai f = new FakeAkamai("akab-client-token", "akab-access-token", "c2VjcmV0LWNsaWVudC1zZWNyZXQ=",
        requests, urls);
    return closedAfter(f);
  }

  private EventRelayerGroup group(FakeAkamai f, Object... kv) {
    return group("akamai", Map.of("type", "akamai", "baseUrl", f.baseUrl(),
        "clientToken", "akab-client-token", "accessToken", "akab-access-token",
        "clientSecret", "c2VjcmV0LWNsaWVudC1zZWNyZXQ="), kv);
  }

  private static List<Map<String, Object>> urls(int n, String padding) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Map.of("url", "https://www.example.com/" + padding + "/asset/" + i + ".css"));
    }
    return out;
  }

  @Test
  void signedRequestsWithBodiesUnderFiftyThousandBytesPurgeEveryUrl() {
    FakeAkamai f = fake(new ServerBucket(100, 50), new ServerBucket(10_000, 200));
    EventRelayerGroup g = group(f, "maxBatchEvents", "2000", "maxBatchBytes", "4MiB");

    DeliveryReport report = purge(g, urls(2_000, "x".repeat(40)));

    assertThat(report.allDelivered()).as(String.valueOf(report.firstFailure())).isTrue();
    assertThat(f.purged().all()).hasSize(2_000).doesNotHaveDuplicates();
    assertThat(f.badSignatures()).isZero();
    assertThat(f.largestBody()).isBetween(40_000, 50_000);
    assertThat(f.paths()).containsExactly("/ccu/v3/invalidate/url/production");
  }

  @Test
  void aUrlThatCanNeverFitABodyIsDeadLetteredAndTheOthersGo() {
    FakeAkamai f = fake(new ServerBucket(100, 50), new ServerBucket(10_000, 200));
    EventRelayerGroup g = group(f, "maxBodyBytes", "1000");
    List<Map<String, Object>> events = new ArrayList<>(urls(30, "ok"));
    events.add(Map.of("url", "https://www.example.com/" + "l".repeat(1_100)));

    DeliveryReport report = purge(g, events);

    assertThat(report.delivered()).isEqualTo(30);
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(report.firstFailure()).contains("maxBodyBytes");
    assertThat(f.purged().all()).hasSize(30);
  }

  @Test
  void aRefusedUrlIsFoundByHalvingItsRequestAndOnlyItIsDeadLettered() {
    FakeAkamai f = fake(new ServerBucket(100, 50), new ServerBucket(10_000, 200));
    EventRelayerGroup g = group(f);
    List<Map<String, ?>> events = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      events.add(EventGateIntake.resourceChange("resource-purge", "page-" + i));
    }
    // Sent as given (the cdn-purge relayer would refuse this URL itself): Akamai answers 400 "bad URL" to it,
    // failing the whole request that carries it.
    Map<String, Object> bad = EventGateIntake.resourceChange("resource-purge", "bad");
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = (Map<String, Object>) bad.get("meta");
    meta.put("uri", "https://en.example.org/wiki/Caf\u00e9");
    events.set(137, bad);

    RelayResult r = g.getRelayer("raw").notifyMulti("raw", events);
    assertThat(r.accepted()).isEqualTo(200);
    DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();

    assertThat(report.delivered()).isEqualTo(199);
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(report.firstFailure()).contains("400").contains("non-ASCII");
    assertThat(f.purged().all()).hasSize(199).doesNotHaveDuplicates().noneMatch(u -> u.contains("Caf"));
    // The batch that carries the bad URL (at most 200 URLs) is halved until the URL is alone: at most 9 requests
    // carry it (200, 100, 50, 25, 13, 7, 4, 2, 1), and each refused one of more than one URL leaves a good half
    // that goes through in one request. Every other request is one of the batches the 200 events were cut into
    // (how many depends on when the worker took them from the queue: up to 3 seen, 19 requests in all).
    int refused = f.badUrlAnswers();
    assertThat(refused).isBetween(1, 9);
    int otherBatches = f.gate().requests() - refused - (refused - 1);
    assertThat(otherBatches).isBetween(0, 10);
    assertThat(g.serviceStats().get("akamai").retries()).isZero();
  }

  @Test
  void actionAndNetworkChooseThePath() {
    FakeAkamai f = fake(new ServerBucket(100, 50), new ServerBucket(10_000, 200));
    EventRelayerGroup g = group(f, "action", "delete", "network", "staging");
    assertThat(purge(g, urls(3, "p")).allDelivered()).isTrue();
    assertThat(f.paths()).containsExactly("/ccu/v3/delete/url/staging");
  }

  @Test
  void theUrlBucketPacesBigPurgesAndA429IsHonoured() {
    // Akamai's URL bucket (10,000 refilled at 200/s) scaled down: 300 URLs, refilled at 320/s. The client believes
    // in a burst of 1,000 (then 300/s), so its first requests meet a 429: Akamai's five-second wait and its
    // X-RateLimit-Remaining-Objects answer steer the client, which then keeps within the bucket.
    FakeAkamai f = fake(new ServerBucket(100, 50), new ServerBucket(300, 320));
    EventRelayerGroup g = group(f, "objectBurst", "1000", "objectsPerSecond", "300", "maxBatchEvents", "200");

    assertThat(purge(g, urls(1_200, "b")).allDelivered()).isTrue();

    assertThat(f.gate().limited()).isPositive();
    assertThat(f.gate().violations()).isZero();
    assertThat(f.purged().all()).hasSize(1_200).doesNotHaveDuplicates();
  }

  @Test
  void aWrongSecretFailsTheSignatureAndIsRetriedNotShown() {
    FakeAkamai f = fake(new ServerBucket(100, 50), new ServerBucket(10_000, 200));
    EventRelayerGroup g = group(f, "clientSecret", "d3Jvbmctc2VjcmV0");
    RelayResult r = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", urls(2, "w"));
    await().atMost(PATIENCE).until(() -> g.serviceStats().get("akamai").retries() >= 2);
    assertThat(f.badSignatures()).isPositive();
    assertThat(g.serviceStats().get("akamai").lastError()).contains("401").doesNotContain("d3Jvbmctc2VjcmV0");
    assertThat(r.delivery()).isNotDone();
  }

  @Test
  void signerMatchesAkamaisPublishedAlgorithmForAFixedInput() {
    EdgeGridSigner signer = new EdgeGridSigner("ct", "at", "secret");
    String header = signer.authorization("POST", okhttp3.HttpUrl.get("https://akab.example.net/ccu/v3/invalidate/url/production"),
        "{\"objects\":[\"https://a/b\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.time.Instant.parse("2026-01-02T03:04:05Z"), "nonce-1");
    assertThat(header).startsWith("EG1-HMAC-SHA256 client_token=ct;access_token=at;timestamp=20260102T03:04:05+0000;"
        + "nonce=nonce-1;signature=");
    // The same input signs the same; another nonce signs differently.
    assertThat(signer.authorization("POST", okhttp3.HttpUrl.get("https://akab.example.net/ccu/v3/invalidate/url/production"),
        "{\"objects\":[\"https://a/b\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.time.Instant.parse("2026-01-02T03:04:05Z"), "nonce-2")).isNotEqualTo(header);
  }

  @Test
  void configErrorsNameTheKeyWithoutShowingSecrets() {
    FakeAkamai f = fake(new ServerBucket(1, 1), new ServerBucket(1, 1));
    assertThatThrownBy(() -> group(f, "maxBodyBytes", "60000")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("maxBodyBytes");
    assertThatThrownBy(() -> group(f, "network", "edge")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("network");
    assertThatThrownBy(() -> group(f, "clientSecret", "has space; and-semicolon")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("clientSecret").hasMessageNotContaining("and-semicolon");
  }
}
