package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.eventrelayer.http.TestEvents.batch;
import static org.eventrelayer.http.TestEvents.config;
import static org.eventrelayer.http.TestEvents.purges;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.testkit.EventGateIntake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Header values (tokens) never appear in a reason, an exception message (with its causes), stats, a delivery
 * report, or a log line — this module's debug lines included — on any success or failure path.
 */
@Timeout(120)
class SecretsTest {

  private static final String TOKEN = "Bearer tok-9f8e7d6c5b4a";
  private static final String API_KEY = "key-1a2b3c4d5e6f";

  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final List<String> seen = new ArrayList<>();
  private PrintStream originalErr;

  @BeforeEach
  void captureLog() {
    originalErr = System.err;
    System.setErr(new PrintStream(new TeeStream(originalErr, log), true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreLog() {
    System.setErr(originalErr);
  }

  private String captured() {
    System.err.flush();
    return log.toString(StandardCharsets.UTF_8);
  }

  private Object[] secretHeaders(Object... more) {
    Object[] base = {"headers.Authorization", TOKEN, "headers.X-Api-Key", API_KEY};
    Object[] out = new Object[base.length + more.length];
    System.arraycopy(base, 0, out, 0, base.length);
    System.arraycopy(more, 0, out, base.length, more.length);
    return out;
  }

  /** Records what a send produced: the reasons, or the whole exception chain. */
  private void send(HttpTransport transport, int events) {
    try {
      SendResult r = transport.send(batch(purges(events)));
      seen.add(String.valueOf(r));
      for (int i = 0; i < events; i++) {
        seen.add(String.valueOf(r.reason(i)));
      }
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        seen.add(t.toString());
      }
    }
  }

  @Test
  void noPathOfTheTransportShowsAHeaderValue() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.start(TestEvents.loopback(), 0);
      String url = "http://127.0.0.1:" + server.getPort() + "/v1/events";
      try (HttpTransport transport = HttpTransport.create("secrets", config(url, secretHeaders("timeout", "500ms")))) {
        for (int code : new int[] {201, 301, 400, 401, 403, 404, 429, 500, 503}) {
          server.enqueue(HttpTransportResponseTest.line(code)
              .setHeader("Location", "https://elsewhere.example.org/")
              .body("{\"status\":" + code + ",\"title\":\"t\",\"detail\":\"d\"}").build());
          send(transport, 2);
        }
        server.enqueue(HttpTransportResponseTest.line(207)
            .body("{\"invalid\":[{\"status\":400,\"event\":{\"x\":1},\"context\":\"bad\"}],\"error\":[]}").build());
        send(transport, 2);
        server.enqueue(new MockResponse.Builder().code(201).headersDelay(2, java.util.concurrent.TimeUnit.SECONDS)
            .build());
        send(transport, 1); // times out
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo(TOKEN);
      }
    }
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, TestEvents.loopback())) {
      closedPort = s.getLocalPort();
    }
    try (HttpTransport transport = HttpTransport.create("secrets",
        config("http://127.0.0.1:" + closedPort + "/v1/events", secretHeaders()))) {
      send(transport, 1);
    }
    try (MockWebServer tls = new MockWebServer()) {
      HeldCertificate cert = new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();
      tls.useHttps(new HandshakeCertificates.Builder().heldCertificate(cert).build().sslSocketFactory());
      tls.start(TestEvents.loopback(), 0);
      try (HttpTransport transport = HttpTransport.create("secrets",
          config("https://127.0.0.1:" + tls.getPort() + "/v1/events", secretHeaders()))) {
        send(transport, 1); // untrusted certificate
      }
    }

    assertThat(seen).hasSizeGreaterThan(20);
    assertThat(String.join("\n", seen)).doesNotContain(TOKEN, "tok-9f8e7d6c5b4a", API_KEY)
        .contains("http 401 Unauthorized", "cannot connect", "timeout", "TLS failure");
    String logged = captured();
    // This module logs at debug in tests: the creation line lists header names, never values.
    assertThat(logged).contains("extra headers [Authorization, User-Agent, X-Api-Key]");
    assertThat(logged).doesNotContain("tok-9f8e7d6c5b4a", API_KEY);
  }

  @Test
  void noPathOfTheGroupShowsAHeaderValue() throws Exception {
    try (EventGateIntake gate = EventGateIntake.start()) {
      gate.answerAll(401);
      Object[] kv = secretHeaders("retry.maxAttempts", "2", "retry.initialBackoff", "1ms", "retry.maxBackoff", "5ms");
      EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
          "relayers", Map.of("cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge")),
          "eventServices", Map.of("eventgate", gate.serviceConfig(kv))));
      try {
        RelayResult r = group.getRelayer("cdn-url-purges")
            .notify("cdn-url-purges", Map.of("url", "https://en.example.org/wiki/Secret_test"));
        DeliveryReport report = r.awaitDelivery(Duration.ofSeconds(60)).orElseThrow();
        assertThat(report.deadLettered()).isEqualTo(1);
        ServiceStats stats = group.serviceStats().get("eventgate");
        String shown = report + "\n" + stats + "\n" + group;
        assertThat(shown).contains("http 401 Unauthorized").doesNotContain("tok-9f8e7d6c5b4a", API_KEY);
      } finally {
        group.close(Duration.ofSeconds(5));
      }
    }
    String logged = captured();
    assertThat(logged).contains("http 401 Unauthorized"); // the capture works: the engine's warnings are in it
    assertThat(logged).doesNotContain("tok-9f8e7d6c5b4a", API_KEY);
  }

  /** Writes to two streams. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public synchronized void flush() throws java.io.IOException {
      a.flush();
      b.flush();
    }
  }
}
