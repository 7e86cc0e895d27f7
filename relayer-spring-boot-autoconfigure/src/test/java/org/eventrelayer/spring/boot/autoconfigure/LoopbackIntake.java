package org.eventrelayer.spring.boot.autoconfigure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An EventGate-style intake on 127.0.0.1 for the tests: answers 201 to every batch and keeps the events. It can be
 * stopped (connections are then refused) and started again on the same port.
 */
final class LoopbackIntake implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<JsonNode> events = new CopyOnWriteArrayList<>();
  private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "loopback-intake");
    t.setDaemon(true);
    return t;
  });
  private int port;
  private HttpServer server;

  LoopbackIntake() {
    start();
  }

  /** Starts listening, on the port of the first start. */
  synchronized void start() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/v1/events", this::handle);
    server.setExecutor(executor);
    server.start();
    port = server.getAddress().getPort();
  }

  /** Stops listening: connections are refused until {@link #start()}. */
  synchronized void stop() {
    server.stop(0);
  }

  String url() {
    return "http://127.0.0.1:" + port + "/v1/events";
  }

  /** Every event received, in order. */
  List<JsonNode> events() {
    return events;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode batch = JSON.readTree(exchange.getRequestBody());
      batch.forEach(events::add);
      exchange.sendResponseHeaders(201, -1);
    }
  }

  @Override
  public synchronized void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
