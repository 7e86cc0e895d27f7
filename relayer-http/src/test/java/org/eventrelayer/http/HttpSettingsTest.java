package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.eventrelayer.http.TestEvents.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.eventrelayer.ConfigException;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.spi.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every transport key is checked at build time, with a message naming the key and never a secret. */
class HttpSettingsTest {

  private static final String URL = "http://127.0.0.1:1/v1/events";

  @TempDir
  Path dir;

  private static ConfigException fails(Config config) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> HttpSettings.from(config));
    assertThat(t).isInstanceOf(ConfigException.class);
    return (ConfigException) t;
  }

  @Test
  void defaults() {
    Config c = config(URL);
    HttpSettings s = HttpSettings.from(c);
    assertThat(s.timeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.connectTimeout).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.readTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.hasty).isFalse();
    assertThat(s.maxResponseBytes).isEqualTo(1024 * 1024);
    assertThat(s.maxInFlightRequests).isEqualTo(HttpSettings.DEFAULT_MAX_IN_FLIGHT_REQUESTS);
    assertThat(s.sslSocketFactory).isNull();
    assertThat(s.url.toString()).isEqualTo(URL);
    assertThat(s.headers.get("User-Agent")).isEqualTo("eventrelayer-http");
    assertThat(c.unusedKeys()).isEmpty();
  }

  @Test
  void maxInFlightRequestsIsBoundedAndNamedWhenWrong() {
    assertThat(HttpSettings.from(config(URL, "maxInFlightRequests", "1")).maxInFlightRequests).isEqualTo(1);
    assertThat(HttpSettings.from(config(URL, "maxInFlightRequests", "64")).maxInFlightRequests).isEqualTo(64);
    assertThat(fails(config(URL, "maxInFlightRequests", "0")).key()).isEqualTo("eventServices.test.maxInFlightRequests");
    assertThat(fails(config(URL, "maxInFlightRequests", "65")).key()).isEqualTo("eventServices.test.maxInFlightRequests");
    assertThat(fails(config(URL, "maxInFlightRequests", "many")).key()).isEqualTo("eventServices.test.maxInFlightRequests");
  }

  @Test
  void connectTimeoutDefaultsToTheSmallerOfFiveSecondsAndTimeout() {
    HttpSettings s = HttpSettings.from(config(URL, "timeout", "2s"));
    assertThat(s.connectTimeout).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.readTimeout).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void readsEveryKeyAndLeavesTheEngineKeysToTheEngine() {
    Config c = config(URL, "timeout", "30s", "connectTimeout", "1s", "readTimeout", "20s", "hasty", "true",
        "maxResponseBytes", "4MiB", "headers.Authorization", "Bearer x", "headers.User-Agent", "wiki/1.0",
        "maxBatchBytes", "4MiB", "linger", "5ms", "retry.maxAttempts", "3");
    HttpSettings s = HttpSettings.from(c);
    assertThat(s.timeout).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.connectTimeout).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.readTimeout).isEqualTo(Duration.ofSeconds(20));
    assertThat(s.url.queryParameter("hasty")).isEqualTo("true");
    assertThat(s.maxResponseBytes).isEqualTo(4L << 20);
    assertThat(s.headers.values("User-Agent")).containsExactly("wiki/1.0");
    assertThat(c.unusedKeys()).containsExactly("linger", "maxBatchBytes", "retry.maxAttempts");
  }

  @Test
  void urlIsRequiredAndMustBeHttp() {
    assertThat(fails(config(null)).getMessage()).isEqualTo("eventServices.test.url: is required");
    assertThat(fails(config("ftp://x/y")).key()).isEqualTo("eventServices.test.url");
    assertThat(fails(config("http:///nohost")).key()).isEqualTo("eventServices.test.url");
    assertThat(fails(config("https://user:pw@example.org/")).getMessage()).doesNotContain("pw");
    assertThat(fails(config("http://127.0.0.1/v1#frag")).getMessage()).contains("fragment");
  }

  @Test
  void timeoutsMustBePositiveAndWithinTheWholeCall() {
    assertThat(fails(config(URL, "timeout", "0")).key()).isEqualTo("eventServices.test.timeout");
    assertThat(fails(config(URL, "timeout", "ten seconds")).key()).isEqualTo("eventServices.test.timeout");
    assertThat(fails(config(URL, "timeout", "2h")).key()).isEqualTo("eventServices.test.timeout");
    assertThat(fails(config(URL, "timeout", "2s", "connectTimeout", "3s")).getMessage())
        .isEqualTo("eventServices.test.connectTimeout: must not exceed timeout (2s), got 3s; timeout bounds the "
            + "whole call");
    assertThat(fails(config(URL, "readTimeout", "11s")).key()).isEqualTo("eventServices.test.readTimeout");
    assertThat(fails(config(URL, "connectTimeout", "-1s")).key()).isEqualTo("eventServices.test.connectTimeout");
  }

  @Test
  void otherKeysAreChecked() {
    assertThat(fails(config(URL, "hasty", "yes")).key()).isEqualTo("eventServices.test.hasty");
    assertThat(fails(config(URL, "maxResponseBytes", "12")).key()).isEqualTo("eventServices.test.maxResponseBytes");
    assertThat(fails(config(URL, "maxResponseBytes", "lots")).key()).isEqualTo("eventServices.test.maxResponseBytes");
  }

  @Test
  void headersAreCheckedWithoutShowingTheirValues() {
    ConfigException badValue = fails(config(URL, "headers.Authorization", "Bearer s3cr3t\u0001t0ken"));
    assertThat(badValue.key()).isEqualTo("eventServices.test.headers.Authorization");
    assertThat(badValue.getMessage()).doesNotContain("s3cr3t").contains("value hidden");

    assertThat(fails(config(URL, "headers.Bad Name", "x")).key()).isEqualTo("eventServices.test.headers.Bad Name");
    assertThat(fails(config(URL, "headers.Content-Type", "text/plain")).getMessage())
        .contains("set by the transport");
    assertThat(fails(config(URL, "headers.Host", "evil.example.org")).getMessage())
        .contains("set by the transport");
    assertThat(fails(config(URL, "headers.X-Token", "  ")).getMessage()).endsWith("must not be empty");
    assertThat(fails(config(URL, "headers.X-Token", "a", "headers.x-token", "b")).getMessage())
        .contains("repeats a header").doesNotContain(": a").doesNotContain(": b");
    assertThat(fails(config(URL, "headers.X-Token", "caf\u00e9-s3cr3t")).getMessage()).doesNotContain("s3cr3t");
  }

  @Test
  void trustStoreKeysAreChecked() throws Exception {
    String https = "https://127.0.0.1:1/v1/events";
    assertThat(fails(config(https, "trustStorePassword", "pw")).getMessage())
        .isEqualTo("eventServices.test.trustStorePassword: is set but trustStore is not");
    assertThat(fails(config(https, "trustStoreType", "pem")).key()).isEqualTo("eventServices.test.trustStoreType");
    assertThat(fails(config(https, "trustStore", dir.resolve("missing.p12").toString())).getMessage())
        .contains("no readable file");
    Path pem = Files.writeString(dir.resolve("ca.pem"),
        "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
    assertThat(fails(config(https, "trustStore", pem.toString())).key()).isEqualTo("eventServices.test.trustStore");
    Path emptyPem = Files.writeString(dir.resolve("empty.pem"), "");
    assertThat(fails(config(https, "trustStore", emptyPem.toString())).key())
        .isEqualTo("eventServices.test.trustStore");
    assertThat(fails(config(https, "trustStore", pem.toString(), "trustStoreType", "pfx")).key())
        .isEqualTo("eventServices.test.trustStoreType");
    assertThat(fails(config(URL, "trustStore", pem.toString())).getMessage()).contains("not https://");
    Path junk = Files.writeString(dir.resolve("store.p12"), "not a keystore");
    assertThat(fails(config(https, "trustStore", junk.toString(), "trustStorePassword", "hunter2")).getMessage())
        .doesNotContain("hunter2");
  }

  @Test
  void defaultTrustStoreTypeFollowsTheFileName() {
    assertThat(TrustStores.defaultType(Path.of("ca.pem"))).isEqualTo("pem");
    assertThat(TrustStores.defaultType(Path.of("ca.CRT"))).isEqualTo("pem");
    assertThat(TrustStores.defaultType(Path.of("trust.jks"))).isEqualTo("jks");
    assertThat(TrustStores.defaultType(Path.of("trust.p12"))).isEqualTo("pkcs12");
  }

  @Test
  void retryAfterIsReadAsSecondsOrHttpDate() {
    Instant now = Instant.parse("2015-10-21T07:28:00Z");
    assertThat(ResponseMapper.parseRetryAfter("120", now)).isEqualTo(Duration.ofSeconds(120));
    assertThat(ResponseMapper.parseRetryAfter(" 0 ", now)).isEqualTo(Duration.ZERO);
    // Capped at the engine's one cap, one hour.
    assertThat(ResponseMapper.parseRetryAfter("99999999999999", now)).isEqualTo(SendResult.MAX_RETRY_AFTER)
        .isEqualTo(Duration.ofHours(1));
    assertThat(ResponseMapper.parseRetryAfter("7200", now)).isEqualTo(Duration.ofHours(1));
    assertThat(ResponseMapper.parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(ResponseMapper.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now)).isEqualTo(Duration.ZERO);
    assertThat(ResponseMapper.parseRetryAfter("-5", now)).isNull();
    assertThat(ResponseMapper.parseRetryAfter("later", now)).isNull();
    assertThat(ResponseMapper.parseRetryAfter(null, now)).isNull();
  }

  @Test
  void reasonsAreShortSingleLines() {
    assertThat(ResponseMapper.clean("a\r\n\tb   c")).isEqualTo("a b c");
    assertThat(ResponseMapper.clean("x".repeat(500))).hasSize(163).endsWith("...");
    assertThat(ResponseMapper.status(503, null)).isEqualTo("http 503 Service Unavailable");
    assertThat(ResponseMapper.status(299, "")).isEqualTo("http 299");
  }
}
