package org.eventrelayer.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * An EventGate-style intake on 127.0.0.1 for the outbox tests: accepts JSON arrays with 201 and records every
 * event's {@code meta.id} (with how often it arrived) and {@code meta.uri}. Can answer 400 for URLs containing a
 * marker (the intake refuses them for good), and be stopped and started again on the same port.
 */
final class RecordingIntake implements AutoCloseable {

  static final String REFUSE_MARKER = "Refused_by_intake";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, AtomicInteger> byId = new ConcurrentHashMap<>();
  private final Set<String> uris = ConcurrentHashMap.newKeySet();
  private final Map<String, JsonNode> lastById = new ConcurrentHashMap<>();
  private final LongAdder events = new LongAdder();
  private ExecutorService executor;
  private HttpServer server;
  private int port;

  synchronized RecordingIntake start() throws IOException {
    if (server != null) {
      return this;
    }
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    s.createContext("/v1/events", this::handle);
    executor = Executors.newFixedThreadPool(4);
    s.setExecutor(executor);
    s.start();
    port = s.getAddress().getPort();
    server = s;
    return this;
  }

  synchronized void stop() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }
  }

  String url() {
    return "http://127.0.0.1:" + port + "/v1/events";
  }

  int port() {
    return port;
  }

  /** Events received, duplicates included. */
  long events() {
    return events.sum();
  }

  /** Distinct {@code meta.id}s received. */
  int distinctIds() {
    return byId.size();
  }

  /** Events received more than once (by {@code meta.id}): the sum of extra arrivals. */
  long duplicates() {
    long d = 0;
    for (AtomicInteger n : byId.values()) {
      d += n.get() - 1;
    }
    return d;
  }

  Set<String> uris() {
    return uris;
  }

  JsonNode lastEvent(String id) {
    return lastById.get(id);
  }

  Set<String> ids() {
    return byId.keySet();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange; InputStream in = exchange.getRequestBody()) {
      JsonNode body = JSON.readTree(in);
      boolean refuse = false;
      for (JsonNode e : body) {
        refuse |= e.path("meta").path("uri").asText().contains(REFUSE_MARKER);
      }
      if (refuse) { // EventGate answers 400 with the invalid events when none is valid; a batch of one here
        byte[] answer = ("{\"invalid\":" + body + ",\"error\":[]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(400, answer.length);
        exchange.getResponseBody().write(answer);
        return;
      }
      for (JsonNode e : body) {
        String id = e.path("meta").path("id").asText();
        byId.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        lastById.put(id, e);
        uris.add(e.path("meta").path("uri").asText());
        events.increment();
      }
      exchange.sendResponseHeaders(201, -1);
    }
  }

  @Override
  public void close() {
    stop();
  }
}
