package org.eventrelayer.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eventrelayer.outbox.Outbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The example application as shipped (its application.yml), pointed at an intake on 127.0.0.1. */
class PurgeApplicationTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final List<String> bodies = new CopyOnWriteArrayList<>();
  private static HttpServer intake;
  private static ConfigurableApplicationContext app;

  @BeforeAll
  static void start() throws Exception {
    intake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    intake.createContext("/v1/events", exchange -> {
      try (exchange) {
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        exchange.sendResponseHeaders(201, -1);
      }
    });
    intake.start();
    String intakeUrl = "http://127.0.0.1:" + intake.getAddress().getPort() + "/v1/events";
    app = SpringApplication.run(PurgeApplication.class, "--server.port=0",
        "--eventrelayer.eventServices.eventgate.url=" + intakeUrl);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    intake.stop(0);
  }

  @Test
  void aPageSavePurgesItsUrlsAndActuatorReportsTheService() throws Exception {
    HttpResponse<String> saved = post("/pages/Main_Page/saved");

    assertThat(saved.statusCode()).isEqualTo(200);
    assertThat(saved.body()).contains("\"accepted\":2");
    await().atMost(WAIT).until(() -> received()
        .contains("https://en.example.org/w/index.php?title=Main_Page&action=history"));
    assertThat(received()).contains("\"uri\":\"https://en.example.org/wiki/Main_Page\"");
    HttpResponse<String> health = get("/actuator/health/eventRelayer");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"eventgate\"").contains("\"breakerState\":\"CLOSED\"");
  }

  @Test
  void anEditPurgesIfAndOnlyIfItCommits() throws Exception {
    HttpResponse<String> failed = post("/pages/Rolled_Back/edit?fail=true");
    HttpResponse<String> edited = post("/pages/Edited/edit");

    assertThat(failed.statusCode()).isEqualTo(409);
    assertThat(edited.statusCode()).isEqualTo(200);
    assertThat(edited.body()).contains("\"accepted\":2").contains("\"revisions\":1");
    await().atMost(WAIT).until(() -> received().contains("\"uri\":\"https://en.example.org/wiki/Edited\""));
    assertThat(app.getBean(Outbox.class).flush(WAIT)).isTrue();
    assertThat(received()).doesNotContain("Rolled_Back");
    assertThat(get("/actuator/health/eventRelayerOutbox").body()).contains("\"status\":\"UP\"")
        .contains("\"pending\":0");
  }

  private static String received() {
    return String.join("", bodies);
  }

  private static HttpResponse<String> post(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString("text"))
        .header("Content-Type", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + path);
  }
}
