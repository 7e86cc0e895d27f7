package org.eventrelayer.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.eventrelayer.core.EventSignatures;

/** Posts to a RunJob endpoint over real HTTP, and builds signed job events the way the job relayer does. */
final class RunJobClient {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String SECRET = "wiki-secret-5f4e3d2c1b";

  /** One answer: the status, the JSON body and the headers. */
  record Answer(int status, JsonNode body, java.net.http.HttpHeaders headers) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Answer post(String url, String contentType, byte[] body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return send(request.build());
  }

  Answer post(String url, byte[] body) {
    return post(url, "application/json", body);
  }

  Answer get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build());
  }

  private Answer send(HttpRequest request) {
    try {
      HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return new Answer(r.statusCode(), JSON.readTree(r.body()), r.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An unsigned job event {@code {database, type, params}}. */
  static ObjectNode job(String database, String type, Map<String, ?> params) {
    ObjectNode event = JSON.createObjectNode();
    event.put("database", database);
    event.put("type", type);
    event.set("params", JSON.valueToTree(params));
    return event;
  }

  /** {@code event} with {@code mediawiki_signature} added, signed with {@code secret}, as bytes. */
  static byte[] signed(ObjectNode event, String secret) {
    try {
      ObjectNode copy = event.deepCopy();
      copy.remove("mediawiki_signature");
      String signature = EventSignatures.of(secret, "HmacSHA1", "mediawiki_signature")
          .sign(JSON.writeValueAsBytes(copy));
      copy.put("mediawiki_signature", signature);
      return JSON.writeValueAsBytes(copy);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] signed(ObjectNode event) {
    return signed(event, SECRET);
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
