package org.eventrelayer.cdn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Headers;
import org.eventrelayer.ConfigException;
import org.eventrelayer.core.BatchEvent;
import org.eventrelayer.spi.Config;
import org.junit.jupiter.api.Test;

/** The transports' parts on their own: URL targets, token buckets, rate-limit answers, Varnish settings. */
class CdnPartsTest {

  @Test
  void aTargetKeepsTheHostPortPathAndQuery() {
    PurgeTarget t = PurgeTarget.parse("https://en.example.org:8443/wiki/A%20B?action=raw&x=1");
    assertThat(t.host()).isEqualTo("en.example.org:8443");
    assertThat(t.path()).isEqualTo("/wiki/A%20B?action=raw&x=1");
    assertThat(PurgeTarget.parse("http://example.org").path()).isEqualTo("/");
    assertThatThrownBy(() -> PurgeTarget.parse("ftp://example.org/x")).hasMessageContaining("http or https");
    assertThatThrownBy(() -> PurgeTarget.parse("https:///nohost")).hasMessageContaining("host");
  }

  @Test
  void aTargetIsReadFromTheJsonWhenTheFieldsAreGone() {
    BatchEvent fromDisk = BatchEvent.of("s",
        "{\"meta\":{\"uri\":\"https://a.org/p\"}}".getBytes(StandardCharsets.UTF_8), "id", null);
    assertThat(PurgeTarget.of(fromDisk).host()).isEqualTo("a.org");
    BatchEvent broken = BatchEvent.of("s", "{\"meta\":{}}".getBytes(StandardCharsets.UTF_8), "id", null);
    assertThatThrownBy(() -> PurgeTarget.of(broken)).hasMessageContaining("meta.uri");
  }

  @Test
  void theBucketPacesAndTheProviderCanDrainOrCloseIt() {
    AtomicLong now = new AtomicLong();
    TokenBucket b = new TokenBucket("requests", 2, 10, now::get); // burst 2, then one per 100 ms
    assertThat(b.nanosUntil(1)).isZero();
    b.take(1);
    b.take(1);
    assertThat(b.nanosUntil(1)).isEqualTo(100_000_000);
    now.addAndGet(100_000_000);
    assertThat(b.nanosUntil(1)).isZero();
    b.atMost(0); // the provider says none is left
    assertThat(b.nanosUntil(1)).isEqualTo(100_000_000);
    b.closeFor(Duration.ofSeconds(5).toNanos()); // Retry-After: 5
    assertThat(b.nanosUntil(1)).isEqualTo(5_000_000_000L);
    now.addAndGet(5_000_000_000L);
    assertThat(b.nanosUntil(1)).isEqualTo(100_000_000); // open again, empty, refilling
    assertThat(b.nanosUntil(50)).as("more than the burst waits for a full bucket").isEqualTo(200_000_000);
  }

  @Test
  void rateLimitAnswersAreReadInEveryDocumentedForm() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(RateLimitSignals.from(Headers.of("Retry-After", "3"), now).pause()).isEqualTo(Duration.ofSeconds(3));
    assertThat(RateLimitSignals.from(Headers.of("Retry-After", "Thu, 01 Jan 2026 00:00:07 GMT"), now).pause())
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(RateLimitSignals.from(Headers.of("Fastly-RateLimit-Remaining", "0",
        "Fastly-RateLimit-Reset", Long.toString(now.getEpochSecond() + 9)), now).pause())
        .isEqualTo(Duration.ofSeconds(9));
    RateLimitSignals akamai = RateLimitSignals.from(Headers.of("X-RateLimit-Remaining", "0",
        "X-RateLimit-Remaining-Objects", "9904"), now);
    assertThat(akamai.remaining()).isZero();
    assertThat(akamai.remainingObjects()).isEqualTo(9904);
    assertThat(akamai.pause()).isNull(); // no reset and no Retry-After: the caller's documented default applies
    assertThat(RateLimitSignals.from(Headers.of("Retry-After", "soon"), now).pause()).isNull();
  }

  private static Config config(Map<String, Object> m) {
    return Config.of("eventServices.caches", m);
  }

  @Test
  void varnishSettingsNameTheKeyAtFault() {
    assertThatThrownBy(() -> VarnishSettings.from(config(Map.of()))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("eventServices.caches.hosts");
    assertThatThrownBy(() -> VarnishSettings.from(config(Map.of("hosts", "10.0.0.1")))).hasMessageContaining("host:port");
    assertThatThrownBy(() -> VarnishSettings.from(config(Map.of("hosts", "a:1,a:1")))).hasMessageContaining("twice");
    assertThatThrownBy(() -> VarnishSettings.from(config(Map.of("hosts", "a:1", "method", "delete"))))
        .hasMessageContaining("method");
    assertThatThrownBy(() -> VarnishSettings.from(config(Map.of("hosts", "a:1", "xkeyHeader", "x-purge"))))
        .hasMessageContaining("method: xkey");
    VarnishSettings s = VarnishSettings.from(config(Map.of("hosts", "10.0.0.1:6081, cache2:80", "method", "ban")));
    assertThat(s.hosts).hasSize(2);
    assertThat(s.method).isEqualTo(VarnishSettings.Method.BAN);
    assertThat(s.connectionsPerHost).isEqualTo(8);
  }
}
