package org.eventrelayer.jobs.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eventrelayer.core.EventSignatures;
import org.eventrelayer.jobs.Job;
import org.eventrelayer.jobs.JobRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The servlet adapter in a real Tomcat on loopback, mounted under a MediaWiki-style REST prefix. */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one Tomcat for the class: it takes seconds to start
class JobRunnerServletTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "servlet-secret-0a1b2c";
  private static final String ROUTE = "/w/rest.php/eventbus/v0/internal/job/execute";

  private final List<Job> ran = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private JobRunner runner;
  private Tomcat tomcat;
  private String url;

  @BeforeEach
  void forget() {
    ran.clear();
  }

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    runner = JobRunner.builder().enabled(true).secret(SECRET).handler("deleteJob", ran::add)
        .maxBodyBytes(4096).build();
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createDirectories(dir.resolve("tomcat")).toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", dir.toString());
    Tomcat.addServlet(context, "runjob", new JobRunnerServlet(runner));
    context.addServletMappingDecoded(ROUTE, "runjob");
    tomcat.start();
    url = "http://127.0.0.1:" + connector.getLocalPort() + ROUTE;
  }

  @AfterAll
  void stop() throws Exception {
    runner.close(); // first, as a host would in a shutdown hook: its job threads end before the container
    tomcat.stop();
    tomcat.destroy();
  }

  private HttpResponse<String> post(String contentType, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] signed(String title) throws Exception {
    ObjectNode event = JSON.createObjectNode();
    event.put("database", "enwiki");
    event.put("type", "deleteJob");
    event.putObject("params").put("title", title);
    event.put("mediawiki_signature",
        EventSignatures.of(SECRET, "HmacSHA1", "mediawiki_signature").sign(JSON.writeValueAsBytes(event)));
    return JSON.writeValueAsBytes(event);
  }

  @Test
  void runsASignedJobAndAnswersAsTheContractSays() throws Exception {
    HttpResponse<String> ok = post("application/json", signed("Testing"));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
    JsonNode body = JSON.readTree(ok.body());
    assertThat(body.path("status").asBoolean()).isTrue();
    assertThat(body.path("caught")).isEmpty();
    assertThat(ran).hasSize(1);
    assertThat(ran.get(0).params()).isEqualTo(Map.of("title", "Testing"));
  }

  @Test
  void refusesTamperedTooLargeAndNonJsonRequests() throws Exception {
    ObjectNode tampered = (ObjectNode) JSON.readTree(signed("Testing"));
    ((ObjectNode) tampered.get("params")).put("title", "Main_Page");
    HttpResponse<String> forged = post("application/json", JSON.writeValueAsBytes(tampered));
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(forged.body()).path("message").asText()).isEqualTo("Invalid mediawiki signature");

    HttpResponse<String> large = post("application/json", signed("x".repeat(5000)));
    assertThat(large.statusCode()).isEqualTo(413);

    HttpResponse<String> text = post("text/plain", signed("Testing"));
    assertThat(text.statusCode()).isEqualTo(415);
    assertThat(JSON.readTree(text.body()).path("content_type").asText()).isEqualTo("text/plain");

    HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).contains("POST");
    assertThat(ran).isEmpty();
  }
}
