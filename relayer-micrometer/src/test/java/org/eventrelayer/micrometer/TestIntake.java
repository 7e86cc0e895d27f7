package org.eventrelayer.micrometer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal EventGate-style intake on 127.0.0.1 for the tests: answers 201, or as told: 400 with every event listed
 * as invalid (the transport dead-letters them) or a request-level 500 (retried, a circuit-breaker failure).
 */
final class TestIntake implements AutoCloseable {

  enum Mode { ACCEPT, INVALID, ERROR }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "test-intake");
    t.setDaemon(true);
    return t;
  });
  private volatile Mode mode = Mode.ACCEPT;

  TestIntake() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/v1/events", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/events";
  }

  void mode(Mode mode) {
    this.mode = mode;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      switch (mode) {
        case ACCEPT -> exchange.sendResponseHeaders(201, -1);
        case INVALID -> {
          // Every event of the (array) body, listed back as invalid, as EventGate's 400 does.
          String events = new String(body, StandardCharsets.UTF_8).trim();
          String list = events.substring(1, events.length() - 1);
          StringBuilder invalid = new StringBuilder("{\"invalid\":[");
          int depth = 0;
          int start = 0;
          boolean first = true;
          for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '{') {
              if (depth++ == 0) {
                start = i;
              }
            } else if (c == '}' && --depth == 0) {
              invalid.append(first ? "" : ",").append("{\"status\":\"invalid\",\"event\":")
                  .append(list, start, i + 1).append(",\"context\":{\"message\":\"test\"}}");
              first = false;
            }
          }
          send(exchange, 400, invalid.append("]}").toString());
        }
        case ERROR -> send(exchange, 500,
            "{\"status\":500,\"type\":\"internal_error\",\"title\":\"Internal Server Error\",\"detail\":\"test\"}");
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, b.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
