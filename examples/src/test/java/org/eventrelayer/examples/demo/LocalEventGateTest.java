package org.eventrelayer.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalEventGateTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VALID =
      "{\"$schema\":\"/resource_change/1.0.0\",\"meta\":{\"stream\":\"resource-purge\","
          + "\"dt\":\"2026-11-23T05:38:05.123Z\",\"id\":\"%s\",\"uri\":\"https://example.org/a\"}}";
  private static final String INVALID = "{\"$schema\":\"/resource_change/1.0.0\",\"meta\":{\"stream\":\"s\"}}";

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private LocalEventGate gate;

  @BeforeEach
  void start() throws IOException {
    gate = LocalEventGate.builder().trackIds(true).threads(2).start();
  }

  @AfterEach
  void stop() {
    gate.close();
  }

  @Test
  void listensOnLoopbackOnAnEphemeralPort() {
    assertThat(gate.url().toString()).matches("http://127\\.0\\.0\\.1:\\d+/v1/events");
    assertThat(gate.port()).isPositive();
    assertThat(gate.isUp()).isTrue();
  }

  @Test
  void acceptsValidEventsWith201AndCountsThem() throws Exception {
    HttpResponse<String> r = post(gate.url(), "[" + valid("a") + "," + valid("b") + "]");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.body()).isEmpty();
    assertThat(post(gate.url(), valid("c")).statusCode()).as("a single event").isEqualTo(201);
    assertThat(gate.received()).isEqualTo(3);
    assertThat(gate.requests()).isEqualTo(2);
    assertThat(gate.bytes()).isPositive();
  }

  @Test
  void answersHasty202() throws Exception {
    assertThat(post(URI.create(gate.url() + "?hasty=true"), "[" + valid("a") + "]").statusCode()).isEqualTo(202);
  }

  @Test
  void answersSomeInvalidWith207ListingOnlyTheInvalidOnes() throws Exception {
    HttpResponse<String> r = post(gate.url(), "[" + valid("a") + "," + INVALID + "]");
    assertThat(r.statusCode()).isEqualTo(207);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("invalid")).hasSize(1);
    assertThat(body.get("invalid").get(0).get("status").asText()).isEqualTo("invalid");
    assertThat(body.get("invalid").get(0).get("event")).isEqualTo(JSON.readTree(INVALID));
    assertThat(body.get("invalid").get(0).path("context").path("message").asText()).contains("meta.dt");
    assertThat(body.get("error")).isEmpty();
    assertThat(gate.received()).isEqualTo(1);
    assertThat(gate.invalid()).isEqualTo(1);
  }

  @Test
  void answersAllInvalidWith400() throws Exception {
    HttpResponse<String> r = post(gate.url(), "[" + INVALID + ", 42]");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("invalid")).hasSize(2);
    assertThat(gate.received()).isZero();
  }

  @Test
  void answersEmptyOrNonJsonRequestsWith400AndNoBody() throws Exception {
    assertThat(post(gate.url(), "[]").statusCode()).isEqualTo(400);
    assertThat(post(gate.url(), "").statusCode()).isEqualTo(400);
    HttpResponse<String> text = client.send(HttpRequest.newBuilder(gate.url())
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(valid("a"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(text.statusCode()).isEqualTo(400);
    assertThat(text.body()).isEmpty();
  }

  @Test
  void answersMalformedJsonWithARequestLevel500() throws Exception {
    HttpResponse<String> r = post(gate.url(), "[{\"$schema\":");
    assertThat(r.statusCode()).isEqualTo(500);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("status").asInt()).isEqualTo(500);
    assertThat(body.get("type").asText()).isEqualTo("internal_error");
  }

  @Test
  void refusesABodyOverFourMebibytesWith500() throws Exception {
    String big = "[\"" + "x".repeat(LocalEventGate.MAX_BODY_BYTES) + "\"]";
    HttpResponse<String> r = post(gate.url(), big);
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("too large");
  }

  @Test
  void answersOtherPathsAndMethods() throws Exception {
    assertThat(post(URI.create("http://127.0.0.1:" + gate.port() + "/v2/other"), valid("a")).statusCode())
        .isEqualTo(404);
    HttpResponse<String> get = client.send(HttpRequest.newBuilder(gate.url()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
  }

  @Test
  void countsDuplicateIdsWhenTracking() throws Exception {
    post(gate.url(), "[" + valid("same") + "," + valid("other") + "]");
    post(gate.url(), "[" + valid("same") + "]");
    assertThat(gate.received()).isEqualTo(3);
    assertThat(gate.duplicates()).isEqualTo(1);
  }

  @Test
  void goesDownWithConnectionRefusedAndComesBackOnTheSamePort() throws Exception {
    int port = gate.port();
    assertThat(post(gate.url(), valid("a")).statusCode()).isEqualTo(201);

    gate.stop();
    assertThat(gate.isUp()).isFalse();
    assertThatThrownBy(() -> post(gate.url(), valid("b"))).isInstanceOf(ConnectException.class);

    gate.restart();
    assertThat(gate.isUp()).isTrue();
    assertThat(gate.port()).isEqualTo(port);
    assertThat(post(gate.url(), valid("c")).statusCode()).isEqualTo(201);
    assertThat(gate.received()).isEqualTo(2);
  }

  @Test
  void cannotRestartOnceClosed() {
    gate.close();
    assertThat(gate.isUp()).isFalse();
    assertThatThrownBy(gate::restart).isInstanceOf(IllegalStateException.class);
  }

  private static String valid(String id) {
    return String.format(VALID, id);
  }

  private HttpResponse<String> post(URI uri, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
