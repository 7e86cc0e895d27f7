package org.eventrelayer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eventrelayer check}: one probe per service, against a real HTTP intake on loopback and a closed port. */
class CheckCommandTest {

  @TempDir
  Path dir;

  private CountingIntake intake;

  @BeforeEach
  void startIntake() throws Exception {
    intake = new CountingIntake(1);
  }

  @AfterEach
  void stopIntake() {
    intake.close();
  }

  @Test
  void aReachableIntakeExitsZeroAfterOneRequestThatCarriesNoEvent() throws Exception {
    Cli.Run run = new Cli().run("check", "--config", Cli.config(dir, intake.url()).toString());

    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("config " + dir.resolve("eventrelayer.properties") + ": OK")
        .containsPattern("eventgate +http +reachable +" + intake.url().replace(".", "\\.")
            + " answered 201 to an empty batch in \\d+ ms");
    assertThat(intake.requests()).isEqualTo(1);
    assertThat(intake.taken()).isZero();
  }

  @Test
  void anUnreachableServiceExitsOneAndSaysWhy() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    intake.stop();
    Path config = Cli.config(dir, intake.url(),
        "eventServices.bus.type=kafka",
        "eventServices.bus.bootstrap.servers=127.0.0.1:" + closedPort,
        "eventServiceDefault=eventgate");
    Cli.Run run = new Cli().run("check", "--config", config.toString(), "--timeout", "1s");

    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
    assertThat(run.out())
        .containsPattern("eventgate +http +FAILED +" + intake.url().replace(".", "\\.") + " unreachable: .*Connect")
        .containsPattern("bus +kafka +FAILED +127\\.0\\.0\\.1:" + closedPort + " unreachable: ");
  }

  @Test
  void sendsTheServiceHeadersAndReportsRefusedCredentialsWithoutShowingThem() throws Exception {
    intake.requireAuthorization("Bearer right-token");
    Cli.Run wrong = new Cli().run("check", "--config",
        Cli.config(dir, intake.url(), "eventServices.eventgate.headers.Authorization=Bearer wrong-token").toString());
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.out()).contains("FAILED").contains("answered 401")
        .contains("credentials refused (check headers.Authorization)").doesNotContain("wrong-token");

    Cli.Run right = new Cli().run("check", "--config",
        Cli.config(dir, intake.url(), "eventServices.eventgate.headers.Authorization=Bearer right-token").toString());
    assertThat(right.exit()).as(right.out()).isZero();
    assertThat(right.out()).contains("reachable").doesNotContain("right-token");
  }

  @Test
  void probesAnHttpsIntakeWithTheServiceTrustStore() throws Exception {
    HeldCertificate certificate = new HeldCertificate.Builder().commonName("localhost")
        .addSubjectAlternativeName("127.0.0.1").build();
    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    https.setHttpsConfigurator(new HttpsConfigurator(
        new HandshakeCertificates.Builder().heldCertificate(certificate).build().sslContext()));
    https.createContext("/v1/events", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(201, -1);
      exchange.close();
    });
    https.start();
    try {
      String url = "https://127.0.0.1:" + https.getAddress().getPort() + "/v1/events";
      Path pem = Files.writeString(dir.resolve("intake.pem"), certificate.certificatePem());
      Cli.Run trusted = new Cli().run("check", "--config",
          Cli.config(dir, url, "eventServices.eventgate.trustStore=" + pem).toString());
      assertThat(trusted.exit()).as(trusted.out() + trusted.err()).isZero();
      assertThat(trusted.out()).contains("answered 201 to an empty batch");

      Cli.Run untrusted = new Cli().run("check", "--config", Cli.config(dir, url).toString());
      assertThat(untrusted.exit()).isEqualTo(1);
      assertThat(untrusted.out()).contains("FAILED").contains("unreachable").contains("SSLHandshakeException");
    } finally {
      https.stop(0);
    }
  }

  @Test
  void aConfigMistakeExits64NamingTheKey() throws Exception {
    Path config = Cli.config(dir, intake.url(), "eventServices.eventgate.queueCapacity=lots");
    Cli.Run run = new Cli().run("check", "--config", config.toString());

    assertThat(run.exit()).isEqualTo(64);
    assertThat(run.err()).contains("config error: eventServices.eventgate.queueCapacity");
    assertThat(intake.requests()).isZero();
  }
}
