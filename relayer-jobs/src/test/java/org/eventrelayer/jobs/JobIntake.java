package org.eventrelayer.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An EventGate-style intake on 127.0.0.1: takes JSON arrays of events on {@code /v1/events}, records each event's
 * JSON exactly as it arrived, answers 201.
 */
final class JobIntake implements AutoCloseable {

  private final HttpServer server;
  private final List<String> received = new ArrayList<>(); // guarded by itself

  JobIntake() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
    server.createContext("/v1/events", this::take);
    server.start();
  }

  private void take(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode batch = RunJobClient.JSON.readTree(exchange.getRequestBody().readAllBytes());
      synchronized (received) {
        batch.forEach(event -> received.add(event.toString()));
      }
      exchange.sendResponseHeaders(201, -1);
    }
  }

  /** The {@code http} event service config for this intake. */
  Map<String, Object> serviceConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "http");
    m.put("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/events");
    m.put("timeout", "10s");
    return m;
  }

  /** Every event received so far, as JSON text. */
  List<String> received() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
