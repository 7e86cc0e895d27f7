package org.eventrelayer.cdn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.cdn.testing.CacheClient;
import org.eventrelayer.cdn.testing.LocalVarnish;
import org.eventrelayer.cdn.testing.Origin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code type: varnish} against two real Varnish instances in front of an origin of the test's own. The proof of
 * a purge is the caches' behaviour: a page served twice reaches the origin once; after the purge the next request
 * reaches the origin again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VarnishPurgeTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final AtomicInteger PAGES = new AtomicInteger();

  private Origin origin;
  private LocalVarnish first;
  private LocalVarnish second;
  private LocalVarnish refusing;
  private final CacheClient browser = new CacheClient();
  private EventRelayerGroup group;

  @BeforeAll
  void startCaches() {
    origin = Origin.start();
    first = LocalVarnish.start(LocalVarnish.vcl(origin.port(), "\"127.0.0.1\"", true));
    second = LocalVarnish.start(LocalVarnish.vcl(origin.port(), "\"127.0.0.1\"", false));
    // Purges allowed only from an address the test never uses: every PURGE from 127.0.0.1 gets the VCL's 405.
    refusing = LocalVarnish.start(LocalVarnish.vcl(origin.port(), "\"192.0.2.1\"", false));
  }

  @AfterAll
  void stopCaches() throws Exception {
    browser.close();
    for (LocalVarnish v : new LocalVarnish[] {first, second, refusing}) {
      if (v != null) {
        v.close();
      }
    }
    origin.close();
  }

  @AfterEach
  void closeGroup() {
    if (group != null) {
      group.close(Duration.ofSeconds(5));
    }
  }

  private EventRelayerGroup group(Map<String, Object> service) {
    Map<String, Object> svc = new LinkedHashMap<>(service);
    svc.put("type", "varnish");
    svc.putIfAbsent("retry.initialBackoff", "20ms");
    svc.putIfAbsent("retry.maxBackoff", "200ms");
    group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge"), "default", Map.of("type", "none")),
        "eventServices", Map.of("caches", svc)));
    return group;
  }

  private static String page() {
    return "/wiki/Page_" + PAGES.incrementAndGet() + "?action=view";
  }

  /** Fetches the page twice through {@code cache} and checks the second came from the cache. */
  private void cached(LocalVarnish cache, String host, String path) {
    int before = origin.hits(host, path);
    String a = browser.get(cache, host, path);
    String b = browser.get(cache, host, path);
    assertThat(b).isEqualTo(a);
    assertThat(origin.hits(host, path)).isEqualTo(before + 1);
  }

  private DeliveryReport purge(String url) {
    RelayResult r = group.getRelayer("cdn-url-purges").notify("cdn-url-purges", Map.of("url", url));
    assertThat(r.accepted()).isEqualTo(1);
    return r.awaitDelivery(PATIENCE).orElseThrow();
  }

  @Test
  void purgeReachesEveryCacheAndTheNextRequestGoesToTheOrigin() {
    group(Map.of("hosts", first.hostPort() + "," + second.hostPort()));
    String host = "en.example.org";
    String path = page();
    cached(first, host, path);
    cached(second, host, path);
    int before = origin.hits(host, path); // 2: one miss per cache

    DeliveryReport report = purge("https://" + host + path);

    assertThat(report.allDelivered()).as(String.valueOf(report.firstFailure())).isTrue();
    browser.get(first, host, path);
    browser.get(second, host, path);
    assertThat(origin.hits(host, path)).isEqualTo(before + 2);
    // And cached again afterwards: the purge removed one object, it did not disable caching.
    browser.get(first, host, path);
    assertThat(origin.hits(host, path)).isEqualTo(before + 2);
  }

  @Test
  void purgeOnlyRemovesItsOwnHostsPage() {
    group(Map.of("hosts", first.hostPort()));
    String path = page();
    cached(first, "en.example.org", path);
    cached(first, "de.example.org", path);

    assertThat(purge("https://en.example.org" + path).allDelivered()).isTrue();

    browser.get(first, "en.example.org", path);
    browser.get(first, "de.example.org", path);
    assertThat(origin.hits("en.example.org", path)).isEqualTo(2);
    assertThat(origin.hits("de.example.org", path)).isEqualTo(1);
  }

  @Test
  void aPageNotInTheCacheIsPurgedSuccessfully() {
    group(Map.of("hosts", first.hostPort()));
    assertThat(purge("https://en.example.org" + page()).allDelivered()).isTrue();
  }

  @Test
  void banMethodEvictsThePage() {
    group(Map.of("hosts", second.hostPort(), "method", "ban"));
    String host = "en.example.org";
    String path = page();
    cached(second, host, path);
    assertThat(purge("https://" + host + path).allDelivered()).isTrue();
    browser.get(second, host, path);
    assertThat(origin.hits(host, path)).isEqualTo(2);
  }

  @Test
  void xkeyMethodEvictsEveryPageTaggedWithThePath() {
    group(Map.of("hosts", first.hostPort(), "method", "xkey"));
    String path = "/wiki/Tagged_" + PAGES.incrementAndGet();
    // The origin tags each page with its path: both variants of the path carry the same key.
    cached(first, "en.example.org", path);
    cached(first, "m.example.org", path);

    assertThat(purge("https://en.example.org" + path).allDelivered()).isTrue();

    browser.get(first, "en.example.org", path);
    browser.get(first, "m.example.org", path);
    assertThat(origin.hits("en.example.org", path)).isEqualTo(2);
    assertThat(origin.hits("m.example.org", path)).isEqualTo(2);
  }

  @Test
  void aVclThatRefusesPurgeDeadLettersWithAReasonNamingTheVcl() {
    group(Map.of("hosts", refusing.hostPort()));
    String path = page();
    cached(refusing, "en.example.org", path);

    DeliveryReport report = purge("https://en.example.org" + path);

    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(report.firstFailure()).contains(refusing.hostPort()).contains("405").contains("VCL");
    ServiceStats s = group.serviceStats().get("caches");
    assertThat(s.deadLettered()).isEqualTo(1);
    assertThat(s.retries()).isZero();
    browser.get(refusing, "en.example.org", path);
    assertThat(origin.hits("en.example.org", path)).isEqualTo(1); // still cached: nothing was purged
  }

  @Test
  void aCacheThatIsDownIsRetriedAloneAndThePurgeIsFinalWhenItTookIt() throws Exception {
    group(Map.of("hosts", first.hostPort() + "," + second.hostPort(), "timeout", "1s"));
    String host = "en.example.org";
    String path = page();
    cached(first, host, path);
    second.stop();
    try {
      RelayResult r = group.getRelayer("cdn-url-purges").notify("cdn-url-purges", Map.of("url", "https://" + host + path));
      await().atMost(PATIENCE).until(() -> group.serviceStats().get("caches").retries() >= 2);
      assertThat(r.delivery()).isNotDone();
      // The first cache took the purge on the first attempt: already evicted there.
      browser.get(first, host, path);
      assertThat(origin.hits(host, path)).isEqualTo(2);
      browser.get(first, host, path); // cached again, and the retries must not purge it a second time
      second.start();
      assertThat(r.awaitDelivery(PATIENCE).orElseThrow().allDelivered()).isTrue();
      browser.get(first, host, path);
      assertThat(origin.hits(host, path)).as("retries went to the cache that was down only").isEqualTo(2);
    } finally {
      second.start();
    }
  }

  @Test
  void anEventWithoutAUsableUrlIsRefusedAtTheRelayerAndNeverSent() {
    group(Map.of("hosts", first.hostPort()));
    RelayResult r = group.getRelayer("cdn-url-purges").notify("cdn-url-purges", Map.of("url", "ftp://x/y"));
    assertThat(r.accepted()).isZero();
    assertThat(group.serviceStats().get("caches").batches()).isZero();
  }

  @Test
  void thousandsOfPurgesAllArriveAtBothCaches() {
    group(Map.of("hosts", first.hostPort() + "," + second.hostPort(), "maxBatchEvents", "200"));
    List<Map<String, Object>> urls = new java.util.ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      urls.add(Map.of("url", "https://bulk.example.org/wiki/Bulk_" + i));
    }
    RelayResult r = group.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", urls);
    DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();
    assertThat(report.delivered()).isEqualTo(3_000);
    ServiceStats s = group.serviceStats().get("caches");
    assertThat(s.delivered()).isEqualTo(3_000);
    assertThat(s.deadLettered() + s.dropped()).isZero();
  }
}
