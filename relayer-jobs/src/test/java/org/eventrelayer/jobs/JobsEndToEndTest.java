package org.eventrelayer.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.jobs.RunJobClient.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole loop on loopback: host -> job relayer -> HTTP transport -> intake -> a dispatcher (this test) ->
 * the host's RunJob endpoint -> the handler, once. A tampered event is refused 403 and its handler never runs.
 */
@Timeout(60)
class JobsEndToEndTest {

  private final RunJobClient dispatcher = new RunJobClient();
  private final List<Job> deletes = new CopyOnWriteArrayList<>();
  private final List<Job> purges = new CopyOnWriteArrayList<>();
  private JobIntake intake;
  private EventRelayerGroup group;
  private JobRunner runner;
  private JobRunnerHttpServer server;

  @BeforeEach
  void start() throws Exception {
    intake = new JobIntake();
    group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(
            "jobs", Map.of("type", "job", "stream", "mediawiki.job", "secret", RunJobClient.SECRET,
                "domain", "en.example.org", "database", "enwiki"),
            "default", Map.of("type", "none")),
        "eventServices", Map.of("eventgate", intake.serviceConfig())));
    runner = JobRunner.builder()
        .enabled(true)
        .secret(RunJobClient.SECRET)
        .handler("deleteJob", deletes::add)
        .handler("htmlCacheUpdate", purges::add)
        .build();
    server = JobRunnerHttpServer.builder(runner).address(InetAddress.getByName("127.0.0.1")).start();
  }

  @AfterEach
  void stop() {
    group.close();
    server.close();
    runner.close();
    intake.close();
  }

  /** Notifies one job and returns its event as the intake received it. */
  private String relay(Map<String, ?> job) {
    EventRelayer jobs = group.getRelayer("jobs");
    int before = intake.received().size();
    RelayResult result = jobs.notify("jobs", job);
    assertThat(result.accepted()).as("%s", result).isEqualTo(1);
    assertThat(result.awaitDelivery(Duration.ofSeconds(30))).get().extracting(DeliveryReport::allDelivered)
        .isEqualTo(true);
    await().atMost(Duration.ofSeconds(10)).until(() -> intake.received().size() > before);
    return intake.received().get(before);
  }

  @Test
  void aNotifiedJobIsDispatchedToTheRunnerAndRunsOnce() throws Exception {
    Map<String, Object> params = Map.of("namespace", 0, "title", "Testing", "wikiPageId", 34,
        "reason", "testing delete job", "suppress", false, "tags", List.of("a"), "ratio", 0.25);
    Map<String, Object> withBinary = new java.util.HashMap<>(params);
    withBinary.put("blob", new byte[] {0, -1, 42}); // not text: travels as MediaWiki's base64 data URI
    String event = relay(Map.of("type", "deleteJob", "params", withBinary, "request_id", "req-1"));

    JsonNode tree = RunJobClient.JSON.readTree(event);
    assertThat(tree.path("$schema").asText()).isEqualTo("/mediawiki/job/1.0.0");
    assertThat(tree.path("meta").path("stream").asText()).isEqualTo("mediawiki.job");
    assertThat(tree.path("meta").path("domain").asText()).isEqualTo("en.example.org");
    assertThat(tree.path("meta").path("request_id").asText()).isEqualTo("req-1");
    assertThat(tree.path("meta").path("id").asText()).hasSize(36);
    assertThat(tree.path("meta").path("dt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(tree.path("database").asText()).isEqualTo("enwiki");
    assertThat(tree.path("page_namespace").asInt()).isEqualTo(0);
    assertThat(tree.path("page_title").asText()).isEqualTo("Testing");
    assertThat(tree.path("mediawiki_signature").asText()).matches("[0-9a-f]{40}");
    assertThat(tree.path("params").path("blob").asText()).isEqualTo("data:application/octet-stream;base64,AP8q");

    Answer answer = dispatcher.post(server.url(), event.getBytes(StandardCharsets.UTF_8));
    assertThat(answer.status()).as("%s", answer.body()).isEqualTo(200);
    assertThat(answer.body().path("status").asBoolean()).isTrue();
    assertThat(deletes).hasSize(1);
    assertThat(deletes.get(0).database()).isEqualTo("enwiki");
    assertThat(deletes.get(0).params()).containsAllEntriesOf(params);
    assertThat((byte[]) deletes.get(0).params().get("blob")).containsExactly(0, -1, 42);
    assertThat(purges).isEmpty();
  }

  @Test
  void aTamperedEventIsRefused403AndItsHandlerNeverRuns() throws Exception {
    String event = relay(Map.of("database", "dewiki", "type", "htmlCacheUpdate",
        "params", Map.of("table", "templatelinks", "recursive", true)));
    ObjectNode tampered = (ObjectNode) RunJobClient.JSON.readTree(event);
    ((ObjectNode) tampered.get("params")).put("table", "pagelinks");

    Answer answer = dispatcher.post(server.url(), RunJobClient.JSON.writeValueAsBytes(tampered));
    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.body().path("message").asText()).isEqualTo("Invalid mediawiki signature");
    assertThat(purges).isEmpty();

    ObjectNode otherDatabase = (ObjectNode) RunJobClient.JSON.readTree(event);
    otherDatabase.put("database", "enwiki");
    assertThat(dispatcher.post(server.url(), RunJobClient.JSON.writeValueAsBytes(otherDatabase)).status())
        .isEqualTo(403);
    assertThat(purges).isEmpty();
    assertThat(deletes).isEmpty();
  }
}
