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
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The example application as shipped (its application.yml), pointed at an intake on 127.0.0.1. */
class PurgeApplicationTest {

  @Test
  void aPageSavePurgesItsUrlsAndActuatorReportsTheService() throws Exception {
    List<String> bodies = new CopyOnWriteArrayList<>();
    HttpServer intake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    intake.createContext("/v1/events", exchange -> {
      try (exchange) {
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        exchange.sendResponseHeaders(201, -1);
      }
    });
    intake.start();
    String intakeUrl = "http://127.0.0.1:" + intake.getAddress().getPort() + "/v1/events";
    try (ConfigurableApplicationContext app = SpringApplication.run(PurgeApplication.class,
        "--server.port=0", "--eventrelayer.eventServices.eventgate.url=" + intakeUrl)) {
      String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
      HttpClient http = HttpClient.newHttpClient();

      HttpResponse<String> saved = http.send(HttpRequest.newBuilder(URI.create(base + "/pages/Main_Page/saved"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(saved.statusCode()).isEqualTo(200);
      assertThat(saved.body()).contains("\"accepted\":2");
      await().atMost(Duration.ofSeconds(30)).until(() -> String.join("", bodies)
          .contains("https://en.example.org/w/index.php?title=Main_Page&action=history"));
      assertThat(String.join("", bodies)).contains("\"uri\":\"https://en.example.org/wiki/Main_Page\"");
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health/eventRelayer"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"eventgate\"").contains("\"breakerState\":\"CLOSED\"");
    } finally {
      intake.stop(0);
    }
  }
}
