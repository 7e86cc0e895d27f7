package org.eventrelayer.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.eventrelayer.jobs.RunJobClient.bytes;
import static org.eventrelayer.jobs.RunJobClient.job;
import static org.eventrelayer.jobs.RunJobClient.signed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eventrelayer.jobs.RunJobClient.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every case of the RunJob REST API contract (EventBus' seed), over real HTTP on the JDK server. */
@Timeout(60)
class RunJobContractTest {

  private static final Map<String, Object> DELETE_PARAMS = Map.of("namespace", 0, "title", "Testing",
      "wikiPageId", 34, "reason", "testing delete job", "suppress", false, "tags", List.of(),
      "logsubtype", "delete");

  private final RunJobClient client = new RunJobClient();
  private final List<Job> ran = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final AtomicBoolean readOnly = new AtomicBoolean();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private JobRunner.Builder enabled() {
    return JobRunner.builder()
        .enabled(true)
        .secret(RunJobClient.SECRET)
        .handler("deleteJob", ran::add)
        .handler("failingJob", job -> {
          throw new IllegalStateException("the page is gone: " + job.params().get("title"));
        })
        .readOnly(readOnly::get);
  }

  /** Serves {@code builder}'s runner on 127.0.0.1 and returns the endpoint URL. */
  private String serve(JobRunner.Builder builder) {
    return serve(builder.build(), JobRunner.DEFAULT_ROUTE);
  }

  private String serve(JobRunner runner, String route) {
    open.add(runner);
    try {
      JobRunnerHttpServer server = JobRunnerHttpServer.builder(runner)
          .address(InetAddress.getByName("127.0.0.1")).route(route).start();
      open.add(0, server);
      return server.url();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertError(Answer a, int status, String message, String reason) {
    assertThat(a.status()).isEqualTo(status);
    assertThat(a.body().path("message").asText()).isEqualTo(message);
    assertThat(a.body().path("httpCode").asInt()).isEqualTo(status);
    assertThat(a.body().path("httpReason").asText()).isEqualTo(reason);
    assertThat(a.header("Content-Type")).isEqualTo("application/json");
  }

  @Test
  void runsTheJobOnItsHandlerAndAnswers200WithStatusTrue() {
    String url = serve(enabled());
    Answer a = client.post(url, signed(job("enwiki", "deleteJob", DELETE_PARAMS)));

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body().path("status").asBoolean()).isTrue();
    assertThat(a.body().path("error").isNull()).isTrue();
    assertThat(a.body().path("caught").isArray()).isTrue();
    assertThat(a.body().path("caught")).isEmpty();
    assertThat(a.body().path("timeMs").isIntegralNumber()).isTrue();
    assertThat(a.body().path("timeMs").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(ran).hasSize(1);
    Job job = ran.get(0);
    assertThat(job.database()).isEqualTo("enwiki");
    assertThat(job.type()).isEqualTo("deleteJob");
    assertThat(job.params()).containsEntry("title", "Testing").containsEntry("wikiPageId", 34)
        .containsEntry("tags", List.of()).containsEntry("suppress", false);
  }

  @Test
  void aThrowingHandlerAnswers200WithStatusFalseAndTheCaughtClass() {
    String url = serve(enabled());
    Answer a = client.post(url, signed(job("enwiki", "failingJob", Map.of("title", "Gone"))));

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body().path("status").asBoolean()).isFalse();
    assertThat(a.body().path("error").asText()).isEqualTo("the page is gone: Gone");
    assertThat(a.body().path("caught").get(0).asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(a.body().path("caught")).hasSize(1);
  }

  @Test
  void anErrorEscapingTheHandlerIsCaughtToo() {
    String url = serve(enabled().handler("assertingJob", job -> {
      throw new AssertionError("invariant broken");
    }));
    Answer a = client.post(url, signed(job("enwiki", "assertingJob", Map.of())));

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body().path("status").asBoolean()).isFalse();
    assertThat(a.body().path("caught").get(0).asText()).isEqualTo("java.lang.AssertionError");
    assertThat(a.body().path("error").asText()).isEqualTo("invariant broken");
  }

  @Test
  void binaryParamsArriveAsBytesAndInvalidBase64Answers500() {
    String url = serve(enabled());
    Map<String, Object> params = Map.of("title", "T", "blob", "data:application/octet-stream;base64,AAEC/w==");
    assertThat(client.post(url, signed(job("enwiki", "deleteJob", params))).status()).isEqualTo(200);
    assertThat((byte[]) ran.get(0).params().get("blob")).containsExactly(0, 1, 2, 255);
    assertThat(ran.get(0).params()).containsEntry("title", "T");

    Answer bad = client.post(url, signed(job("enwiki", "deleteJob",
        Map.of("blob", "data:application/octet-stream;base64,%%%"))));
    assertError(bad, 500, "Parameter base64_decode() failed", "Internal Server Error");
    assertThat(bad.body().path("param_name").asText()).isEqualTo("blob");
    assertThat(ran).hasSize(1);
  }

  @Test
  void missingParamsAnswer400NamingEachMissingOne() {
    String url = serve(enabled());
    Answer none = client.post(url, signed(RunJobClient.JSON.createObjectNode()));
    assertError(none, 400, "Invalid event received", "Bad Request");
    assertThat(none.body().path("missing_params").toString()).isEqualTo("[\"database\",\"type\",\"params\"]");

    ObjectNode noType = job("enwiki", "deleteJob", DELETE_PARAMS);
    noType.remove("type");
    noType.putNull("params"); // null counts as missing, as isset() says in PHP
    Answer some = client.post(url, signed(noType));
    assertError(some, 400, "Invalid event received", "Bad Request");
    assertThat(some.body().path("missing_params").toString()).isEqualTo("[\"type\",\"params\"]");
    assertThat(ran).isEmpty();
  }

  @Test
  void aJobThatCannotBeCreatedAnswers400WithTheError() {
    String url = serve(enabled());
    Answer unknown = client.post(url, signed(job("enwiki", "noSuchJob", Map.of())));
    assertError(unknown, 400, "Failed creating job from description", "Bad Request");
    assertThat(unknown.body().path("error").asText()).contains("noSuchJob").contains("deleteJob");

    ObjectNode listParams = job("enwiki", "deleteJob", Map.of());
    listParams.putArray("params").add(1);
    Answer notAnObject = client.post(url, signed(listParams));
    assertError(notAnObject, 400, "Failed creating job from description", "Bad Request");
    assertThat(notAnObject.body().path("error").asText()).contains("params must be a JSON object");
    assertThat(ran).isEmpty();
  }

  @Test
  void aMissingSignatureAnswers403() {
    String url = serve(enabled());
    Answer a = client.post(url, RunJobClient.JSON.valueToTree(job("enwiki", "deleteJob", DELETE_PARAMS))
        .toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertError(a, 403, "Missing mediawiki signature", "Forbidden");
    assertThat(ran).isEmpty();
  }

  @Test
  void anInvalidSignatureAnswers403AndRunsNothing() throws Exception {
    String url = serve(enabled());
    ObjectNode tampered = (ObjectNode) RunJobClient.JSON.readTree(signed(job("enwiki", "deleteJob", DELETE_PARAMS)));
    ((ObjectNode) tampered.get("params")).put("title", "Main_Page");
    assertError(client.post(url, RunJobClient.JSON.writeValueAsBytes(tampered)), 403,
        "Invalid mediawiki signature", "Forbidden");

    Answer wrongKey = client.post(url, signed(job("enwiki", "deleteJob", DELETE_PARAMS), "another-secret"));
    assertError(wrongKey, 403, "Invalid mediawiki signature", "Forbidden");
    assertThat(ran).isEmpty();
  }

  @Test
  void otherContentTypesAnswer415NamingTheType() {
    String url = serve(enabled());
    byte[] body = signed(job("enwiki", "deleteJob", DELETE_PARAMS));
    Answer text = client.post(url, "text/plain", body);
    assertError(text, 415, "Unsupported Content-Type", "Unsupported Media Type");
    assertThat(text.body().path("content_type").asText()).isEqualTo("text/plain");

    assertThat(client.post(url, "application/json; charset=UTF-8", body).status()).isEqualTo(200);
    assertThat(ran).hasSize(1);
  }

  @Test
  void readOnlyAnswers423AndRunsNothing() {
    String url = serve(enabled());
    readOnly.set(true);
    assertError(client.post(url, signed(job("enwiki", "deleteJob", DELETE_PARAMS))), 423,
        "Wiki is in read-only mode", "Locked");
    // Checked before the content type and the body, as EventBus does.
    assertError(client.post(url, "text/plain", bytes("not even JSON")), 423, "Wiki is in read-only mode", "Locked");
    assertThat(ran).isEmpty();
    readOnly.set(false);
    assertThat(client.post(url, signed(job("enwiki", "deleteJob", DELETE_PARAMS))).status()).isEqualTo(200);
    assertThat(ran).hasSize(1);
  }

  @Test
  void malformedJsonAnswers500CouldNotDecode() {
    String url = serve(enabled());
    Answer broken = client.post(url, bytes("{\"database\": \"enwiki\", \"type\": "));
    assertError(broken, 500, "Could not decode the event", "Internal Server Error");
    assertThat(broken.body().path("error").asText()).isNotBlank();

    Answer array = client.post(url, bytes("[1, 2]"));
    assertError(array, 500, "Could not decode the event", "Internal Server Error");
    assertThat(array.body().path("error").asText()).contains("JSON object");

    Answer duplicate = client.post(url, bytes("{\"type\": \"a\", \"type\": \"b\"}"));
    assertError(duplicate, 500, "Could not decode the event", "Internal Server Error");
  }

  @Test
  void anythingUnexpectedAnswers500InternalServerError() {
    String url = serve(enabled().readOnly(() -> {
      throw new IllegalStateException("replica lag unknown");
    }));
    Answer a = client.post(url, signed(job("enwiki", "deleteJob", DELETE_PARAMS)));
    assertError(a, 500, "Internal Server Error", "Internal Server Error");
    assertThat(a.body().path("error").asText()).contains("replica lag unknown");
    assertThat(ran).isEmpty();
  }

  @Test
  void disabledByDefaultEveryRequestAnswers501() {
    String url = serve(JobRunner.builder().handler("deleteJob", ran::add));
    Answer a = client.post(url, signed(job("enwiki", "deleteJob", DELETE_PARAMS)));
    assertError(a, 501, "Set $wgEventBusEnableRunJobAPI to true to enable the internal EventBus API",
        "Not Implemented");
    assertThat(client.get(url).status()).isEqualTo(501);
    assertThat(ran).isEmpty();
  }

  @Test
  void onlyPostOnTheConfiguredRoute() {
    String url = serve(enabled().build(), "/rest.php/eventbus/v0/internal/job/execute");
    assertThat(url).endsWith("/rest.php/eventbus/v0/internal/job/execute");
    Answer get = client.get(url);
    assertError(get, 405, "Method Not Allowed", "Method Not Allowed");
    assertThat(get.header("Allow")).isEqualTo("POST");

    Answer elsewhere = client.post(url.replace("/rest.php", ""), signed(job("enwiki", "deleteJob", DELETE_PARAMS)));
    assertError(elsewhere, 404, "Not Found", "Not Found");
    assertThat(client.post(url, signed(job("enwiki", "deleteJob", DELETE_PARAMS))).status()).isEqualTo(200);
    assertThat(ran).hasSize(1);
  }

  @Test
  void bodiesOverTheBoundAnswer413() {
    String url = serve(enabled().maxBodyBytes(1024));
    Answer a = client.post(url, signed(job("enwiki", "deleteJob", Map.of("reason", "x".repeat(4000)))));
    assertError(a, 413, "Request body too large", "Content Too Large");
    assertThat(a.body().path("max_bytes").asInt()).isEqualTo(1024);
    assertThat(ran).isEmpty();
  }

  @Test
  void servesOnLoopbackByDefault() throws IOException {
    JobRunner runner = enabled().build();
    open.add(runner);
    JobRunnerHttpServer server = JobRunnerHttpServer.builder(runner).start();
    open.add(0, server);
    assertThat(InetAddress.getByName(java.net.URI.create(server.url()).getHost()).isLoopbackAddress()).isTrue();
    assertThat(server.url()).endsWith(JobRunner.DEFAULT_ROUTE);
    // Without it every answer waits ~40 ms for a delayed ACK (Nagle).
    assertThat(System.getProperty("sun.net.httpserver.nodelay")).isEqualTo("true");
  }

  @Test
  void theHandleApiWorksWithoutAnyServer() {
    try (JobRunner runner = enabled().build()) {
      JobRunner.Response r = runner.handle("POST", "application/json",
          signed(job("enwiki", "deleteJob", DELETE_PARAMS)));
      assertThat(r.status()).isEqualTo(200);
      JsonNode body = RunJobClient.JSON.valueToTree(parse(r.body()));
      assertThat(body.path("status").asBoolean()).isTrue();
      assertThat(runner.handle("POST", null, new byte[0]).status()).isEqualTo(415);
      assertThat(runner.handle("POST", "application/json", new byte[0]).status()).isEqualTo(500);
      assertThat(runner.handle("POST", "application/json", (byte[]) null).status()).isEqualTo(500);
      assertThat(runner.handle(null, "application/json", new byte[0]).status()).isEqualTo(405);
    }
    assertThat(ran).hasSize(1);
  }

  private static JsonNode parse(String json) {
    try {
      return RunJobClient.JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
