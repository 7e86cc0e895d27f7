package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.eventrelayer.http.TestEvents.batch;
import static org.eventrelayer.http.TestEvents.config;
import static org.eventrelayer.http.TestEvents.purges;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.eventrelayer.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS on loopback with a self-signed certificate: trusted through a configured store, refused otherwise. */
@Timeout(60)
class HttpsTransportTest {

  private static final HeldCertificate SELF_SIGNED = new HeldCertificate.Builder()
      .commonName("localhost")
      .addSubjectAlternativeName("127.0.0.1")
      .addSubjectAlternativeName("localhost")
      .build();

  @TempDir
  Path dir;

  private MockWebServer server;
  private HttpTransport transport;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(SELF_SIGNED).build().sslSocketFactory());
    server.start(TestEvents.loopback(), 0);
  }

  @AfterEach
  void stop() {
    if (transport != null) {
      transport.close();
    }
    server.close();
  }

  private String url() {
    return "https://127.0.0.1:" + server.getPort() + "/v1/events";
  }

  @Test
  void trustsAServerWhoseCertificateIsInAPemTrustStore() throws Exception {
    Path pem = Files.writeString(dir.resolve("ca.pem"), SELF_SIGNED.certificatePem());
    transport = HttpTransport.create("tls", config(url(), "trustStore", pem.toString(),
        "headers.Authorization", "Bearer over-tls"));
    server.enqueue(new MockResponse.Builder().code(201).build());

    assertThat(transport.send(batch(purges(2))).hasRetries()).isFalse();

    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request.getHandshake()).isNotNull();
    assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer over-tls");
  }

  @Test
  void trustsAServerWhoseCertificateIsInAPasswordProtectedPkcs12Store() throws Exception {
    Path p12 = dir.resolve("trust.p12");
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("loopback", SELF_SIGNED.certificate());
    try (OutputStream out = Files.newOutputStream(p12)) {
      store.store(out, "changeit".toCharArray());
    }
    transport = HttpTransport.create("tls", config(url(), "trustStore", p12.toString(),
        "trustStorePassword", "changeit", "trustStoreType", "PKCS12"));
    server.enqueue(new MockResponse.Builder().code(201).build());

    assertThat(transport.send(batch(purges(1))).hasRetries()).isFalse();

    ConfigException wrongPassword = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(() ->
        HttpTransport.create("tls", config(url(), "trustStore", p12.toString(), "trustStorePassword", "wrong-pw")));
    assertThat(wrongPassword.key()).isEqualTo("eventServices.test.trustStorePassword");
    assertThat(wrongPassword.getMessage()).doesNotContain("wrong-pw");
  }

  @Test
  void refusesTheSelfSignedCertificateWithTheJvmsDefaultTrust() {
    transport = HttpTransport.create("tls", config(url()));
    assertThatThrownBy(() -> transport.send(batch(purges(1))))
        .isInstanceOf(SSLException.class)
        .hasMessageStartingWith("TLS failure with 127.0.0.1:" + server.getPort());
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void refusesACertificateSignedByAnotherAuthority() throws Exception {
    HeldCertificate other = new HeldCertificate.Builder().commonName("someone else").build();
    Path pem = Files.writeString(dir.resolve("other.pem"), other.certificatePem());
    transport = HttpTransport.create("tls", config(url(), "trustStore", pem.toString()));
    assertThatThrownBy(() -> transport.send(batch(purges(1)))).isInstanceOf(SSLException.class);
  }
}
