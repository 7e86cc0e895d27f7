package org.eventrelayer.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;
import org.eventrelayer.spi.Config;

/** Builders of events, batches, configs and intake answers for the transport tests. */
final class TestEvents {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String STREAM = "resource-purge";

  private TestEvents() {}

  static InetAddress loopback() {
    try {
      return InetAddress.getByName("127.0.0.1");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A resource_change purge event for {@code url} with {@code meta.id} = {@code id} (or none if null). */
  static BatchEvent purge(String url, String id) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("uri", url);
    if (id != null) {
      meta.put("id", id);
    }
    meta.put("dt", "2026-11-23T05:38:05.123Z");
    meta.put("domain", "en.example.org");
    meta.put("stream", STREAM);
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("$schema", "/resource_change/1.0.0");
    event.put("meta", meta);
    event.put("tags", List.of("mediawiki"));
    return BatchEvent.of(STREAM, bytes(event), id, event);
  }

  /** {@code n} purge events with random ids. */
  static List<BatchEvent> purges(int n) {
    List<BatchEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(purge("https://en.example.org/wiki/Page_" + i, UUID.randomUUID().toString()));
    }
    return out;
  }

  /** {@code n} purge events without {@code meta.id}. */
  static List<BatchEvent> purgesWithoutId(int n) {
    List<BatchEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(purge("https://en.example.org/wiki/NoId_" + i, null));
    }
    return out;
  }

  static Batch batch(List<BatchEvent> events) {
    return Batch.of(events);
  }

  static byte[] bytes(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode tree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode tree(String json) {
    return tree(json.getBytes(StandardCharsets.UTF_8));
  }

  /** An EventGate failure entry {status, event, context} holding {@code event} as the intake echoes it. */
  static ObjectNode entry(int status, JsonNode event, Object context) {
    ObjectNode e = JSON.createObjectNode();
    e.put("status", status);
    e.set("event", event);
    e.set("context", JSON.valueToTree(context));
    return e;
  }

  /** The event as the intake would echo it: same content, keys in reverse order (so no byte comparison works). */
  static JsonNode echoed(BatchEvent event) {
    return reversed(tree(event.json()));
  }

  private static JsonNode reversed(JsonNode node) {
    if (!node.isObject()) {
      return node;
    }
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
    fields.addAll(node.properties());
    ObjectNode out = JSON.createObjectNode();
    for (int i = fields.size() - 1; i >= 0; i--) {
      out.set(fields.get(i).getKey(), reversed(fields.get(i).getValue()));
    }
    return out;
  }

  /** A {"invalid": [...], "error": [...]} body. */
  static String multiStatus(List<? extends JsonNode> invalid, List<? extends JsonNode> error) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode inv = body.putArray("invalid");
    invalid.forEach(inv::add);
    ArrayNode err = body.putArray("error");
    error.forEach(err::add);
    return body.toString();
  }

  /** A service config entry for {@code url} plus {@code kv} pairs. */
  static Config config(String url, Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (url != null) {
      m.put("url", url);
    }
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return Config.of("eventServices.test", m);
  }
}
