package org.eventrelayer.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An EventGate-style intake on 127.0.0.1 (the JDK's HTTP server) that counts exactly how often it took each
 * purged URL ({@code meta.uri}). URLs {@code PREFIX + n} for {@code n < size} are counted in an array (so a million
 * costs 4 MB); any other in a map. A URL containing {@code /Invalid_} is listed as invalid in a 207 answer, as a
 * schema would refuse it, and never taken. It can be stopped (connections refused) and started on the same port.
 */
final class CountingIntake implements AutoCloseable {

  static final String PREFIX = "https://purge.example.org/wiki/Page_";
  static final String INVALID_MARK = "/Invalid_";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AtomicIntegerArray indexed;
  private final Map<String, AtomicInteger> others = new ConcurrentHashMap<>();
  private final AtomicLong taken = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private volatile String requiredAuthorization;
  private int port;
  private HttpServer server;

  CountingIntake(int size) throws IOException {
    this.indexed = new AtomicIntegerArray(size);
    start();
  }

  /** The intake's URL. */
  String url() {
    return "http://127.0.0.1:" + port + "/v1/events";
  }

  /** Starts listening (again, on the same port after a stop). */
  synchronized void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    server.createContext("/v1/events", this::handle);
    server.setExecutor(executor);
    server.start();
    port = server.getAddress().getPort();
  }

  /** From now on, answers 401 to requests without this {@code Authorization} header. */
  void requireAuthorization(String value) {
    requiredAuthorization = value;
  }

  /** Stops listening: connections are refused until {@link #start()}. */
  synchronized void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      String required = requiredAuthorization;
      if (required != null && !required.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.sendResponseHeaders(401, -1);
        return;
      }
      // Streamed, not parsed into trees: a million events must cost the test little CPU.
      ArrayNode invalid = JSON.createArrayNode();
      try (InputStream in = exchange.getRequestBody(); JsonParser p = JSON.createParser(in)) {
        if (p.nextToken() != JsonToken.START_ARRAY) {
          throw new IOException("not a JSON array");
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
          String id = null;
          String uri = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("meta")) {
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String metaField = p.currentName();
                p.nextToken();
                if (metaField.equals("uri")) {
                  uri = p.getText();
                } else if (metaField.equals("id")) {
                  id = p.getText();
                } else {
                  p.skipChildren();
                }
              }
            } else {
              p.skipChildren();
            }
          }
          if (uri != null && uri.contains(INVALID_MARK)) {
            ObjectNode entry = invalid.addObject();
            entry.put("status", 400);
            ObjectNode meta = entry.putObject("event").putObject("meta"); // matched by meta.id
            meta.put("id", id);
            meta.put("uri", uri);
            entry.put("context", "refused by the test intake");
          } else {
            take(uri);
          }
        }
      }
      byte[] answer = new byte[0];
      int status = 201;
      if (!invalid.isEmpty()) {
        ObjectNode multi = JSON.createObjectNode();
        multi.set("invalid", invalid);
        multi.putArray("error");
        answer = multi.toString().getBytes(StandardCharsets.UTF_8);
        status = 207;
        exchange.getResponseHeaders().set("Content-Type", "application/json");
      }
      exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      }
    }
  }

  private void take(String uri) {
    taken.incrementAndGet();
    if (uri.startsWith(PREFIX)) {
      try {
        int n = Integer.parseInt(uri.substring(PREFIX.length()));
        if (n >= 0 && n < indexed.length()) {
          indexed.incrementAndGet(n);
          return;
        }
      } catch (NumberFormatException e) {
        // not one of ours: counted by name
      }
    }
    others.computeIfAbsent(uri, u -> new AtomicInteger()).incrementAndGet();
  }

  /** Events taken, duplicates included. */
  long taken() {
    return taken.get();
  }

  /** Requests answered. */
  long requests() {
    return requests.get();
  }

  /** How often {@code PREFIX + n} was taken. */
  int count(int n) {
    return indexed.get(n);
  }

  /** How often another URL was taken. */
  int count(String uri) {
    AtomicInteger c = others.get(uri);
    return c == null ? 0 : c.get();
  }

  /** Of {@code PREFIX + 0 .. n-1}: how many were never taken, and how many more than once. */
  int[] missingAndDuplicated(int n) {
    int missing = 0;
    int duplicated = 0;
    for (int i = 0; i < n; i++) {
      int c = indexed.get(i);
      if (c == 0) {
        missing++;
      } else if (c > 1) {
        duplicated++;
      }
    }
    return new int[] {missing, duplicated};
  }

  @Override
  public synchronized void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
