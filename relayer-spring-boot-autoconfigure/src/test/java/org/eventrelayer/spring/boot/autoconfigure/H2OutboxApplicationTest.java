package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The outbox in a real Spring Boot application on embedded H2 (schema installed because the database is
 * embedded), plus its Actuator health and meters over HTTP.
 */
class H2OutboxApplicationTest extends OutboxApplicationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void startApp() {
    start("jdbc:h2:mem:spring-outbox;DB_CLOSE_DELAY=-1",
        "management.health.eventrelayer.max-outbox-pending-age=1s");
  }

  @Test
  void healthTurnsDownWhileCommittedPurgesWaitAndMetricsAppear() throws Exception {
    JsonNode up = get("/actuator/health/eventRelayerOutbox");
    assertThat(up.path("status").asText()).isEqualTo("UP");
    assertThat(up.path("details").path("table").asText()).isEqualTo("eventrelayer_outbox");

    intake.stop();
    List<String> waiting;
    try {
      waiting = urls(2);
      pages().save(title(), waiting, false);
      await().atMost(WAIT).untilAsserted(() -> {
        JsonNode down = get("/actuator/health/eventRelayerOutbox");
        assertThat(down.path("status").asText()).isEqualTo("DOWN");
        assertThat(down.path("details").path("pending").asLong()).isPositive();
        assertThat(down.path("details").path("reason").asText()).contains("max-outbox-pending-age PT1S");
      });
    } finally {
      intake.start();
    }
    await().atMost(WAIT).until(() -> received().containsAll(waiting));
    await().atMost(WAIT).until(() -> get("/actuator/health/eventRelayerOutbox").path("status").asText()
        .equals("UP"));

    JsonNode relayed = get("/actuator/metrics/eventrelayer.outbox.relayed?tag=table:eventrelayer_outbox");
    assertThat(relayed.path("measurements").get(0).path("value").asDouble()).isGreaterThanOrEqualTo(2);
    assertThat(get("/actuator/metrics").path("names").toString()).contains("eventrelayer.outbox.pending",
        "eventrelayer.outbox.oldest.age");
  }

  private static JsonNode get(String path) throws Exception {
    String port = app.getEnvironment().getProperty("local.server.port");
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }
}
