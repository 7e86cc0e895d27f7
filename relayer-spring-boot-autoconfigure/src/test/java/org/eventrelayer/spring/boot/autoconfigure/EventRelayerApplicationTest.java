package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;

/** A real Spring Boot application (embedded Tomcat, Actuator) relaying purges to a real intake on 127.0.0.1. */
class EventRelayerApplicationTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static LoopbackIntake intake;
  private static ConfigurableApplicationContext app;
  private static EventRelayerGroup group;
  private static int urls;

  @BeforeAll
  static void start() {
    intake = new LoopbackIntake();
    app = run(intake, "5ms");
    group = app.getBean(EventRelayerGroup.class);
  }

  @AfterAll
  static void stop() {
    app.close();
    intake.close();
  }

  static ConfigurableApplicationContext run(LoopbackIntake intake, String linger) {
    return new SpringApplicationBuilder(TestApplication.class)
        .properties("spring.config.location=classpath:relay/application.yml", "intake.url=" + intake.url(),
            "intake.linger=" + linger)
        .run();
  }

  @Test
  void purgesFlowToTheIntake() {
    List<String> sent = purge(group, 10);

    await().atMost(WAIT).until(() -> receivedUris().containsAll(sent));
    JsonNode event = intake.events().get(0);
    assertThat(event.path("$schema").asText()).isEqualTo("/resource_change/1.0.0");
    assertThat(event.path("meta").path("stream").asText()).isEqualTo("resource-purge");
    assertThat(event.path("tags").get(0).asText()).isEqualTo("mediawiki");
  }

  @Test
  void healthTurnsDownWhenTheIntakeStopsAndUpWhenItReturns() throws Exception {
    await().atMost(WAIT).until(() -> get("/actuator/health").statusCode() == 200);
    JsonNode up = json(get("/actuator/health/eventRelayer/eventgate"));
    assertThat(up.path("status").asText()).isEqualTo("UP");
    assertThat(up.path("details").path("breakerState").asText()).isEqualTo("CLOSED");
    assertThat(up.path("details").has("oldestQueuedAge")).isTrue();

    intake.stop();
    List<String> sent;
    try {
      sent = purge(group, 20);
      await().atMost(WAIT).until(() -> get("/actuator/health").statusCode() == 503);
      JsonNode down = json(get("/actuator/health/eventRelayer/eventgate"));
      assertThat(down.path("status").asText()).isEqualTo("DOWN");
      assertThat(down.path("details").path("breakerState").asText()).isIn("OPEN", "HALF_OPEN");
      assertThat(down.path("details").path("queued").asLong()).isPositive();
      assertThat(down.path("details").path("lastError").asText()).isNotBlank();
      assertThat(down.path("details").path("reason").asText()).startsWith("circuit breaker");
    } finally {
      intake.start();
    }

    await().atMost(WAIT).until(() -> get("/actuator/health").statusCode() == 200);
    await().atMost(WAIT).until(() -> receivedUris().containsAll(sent));
    assertThat(json(get("/actuator/health/eventRelayer/eventgate")).path("status").asText()).isEqualTo("UP");
  }

  @Test
  void metricsAppearUnderEventrelayer() throws Exception {
    List<String> sent = purge(group, 5);
    await().atMost(WAIT).until(() -> receivedUris().containsAll(sent));

    JsonNode names = json(get("/actuator/metrics")).path("names");
    List<String> ours = new ArrayList<>();
    names.forEach(n -> {
      if (n.asText().startsWith("eventrelayer.")) {
        ours.add(n.asText());
      }
    });
    assertThat(ours).contains("eventrelayer.events.accepted", "eventrelayer.events.delivered",
        "eventrelayer.queue.events", "eventrelayer.breaker.state", "eventrelayer.send", "eventrelayer.relayer.accepted");

    await().atMost(WAIT).untilAsserted(() -> {
      JsonNode delivered = json(get("/actuator/metrics/eventrelayer.events.delivered?tag=service:eventgate"));
      assertThat(delivered.path("measurements").get(0).path("value").asDouble()).isGreaterThanOrEqualTo(5);
    });
    JsonNode open = json(get("/actuator/metrics/eventrelayer.breaker.state?tag=service:eventgate&tag=state:closed"));
    assertThat(open.path("measurements").get(0).path("value").asDouble()).isEqualTo(1.0);
  }

  @Test
  void closingTheContextDeliversWhatIsQueuedAfterTheWebServerStopped() {
    try (LoopbackIntake own = new LoopbackIntake()) {
      ConfigurableApplicationContext ctx = run(own, "1s"); // events wait for company, so some are queued at close
      EventRelayerGroup g = ctx.getBean(EventRelayerGroup.class);
      int ours = ctx.getBean(EventRelayerGroupLifecycle.class).getPhase();
      // Higher phases stop first: the producers of events (requests, @Async/@Scheduled tasks) before the group.
      Map<String, SmartLifecycle> lifecycles = ctx.getBeansOfType(SmartLifecycle.class);
      for (String producer : List.of("webServerStartStop", "webServerGracefulShutdown", "applicationTaskExecutor")) {
        assertThat(lifecycles.get(producer).getPhase()).as(producer).isGreaterThan(ours);
      }

      List<String> sent = purge(g, 25);
      ctx.close();

      assertThat(receivedUris(own)).containsAll(sent);
      ServiceStats stats = g.serviceStats().get("eventgate");
      assertThat(stats.dropped()).isZero();
      assertThat(stats.delivered()).isEqualTo(stats.accepted());
      assertThat(g.getRelayer("cdn-url-purges").notify("cdn-url-purges", Map.of("url", "https://x.org/late"))
          .refused()).isNotEmpty();
    }
  }

  private static List<String> purge(EventRelayerGroup g, int n) {
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String url = "https://en.example.org/wiki/Page_" + (urls++);
      RelayResult r = g.getRelayer("cdn-url-purges").notify("cdn-url-purges", Map.of("url", url));
      assertThat(r.refused()).isEmpty();
      sent.add(url);
    }
    return sent;
  }

  private static List<String> receivedUris() {
    return receivedUris(intake);
  }

  private static List<String> receivedUris(LoopbackIntake from) {
    return from.events().stream().map(e -> e.path("meta").path("uri").asText()).collect(Collectors.toList());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    String port = app.getEnvironment().getProperty("local.server.port");
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }
}
