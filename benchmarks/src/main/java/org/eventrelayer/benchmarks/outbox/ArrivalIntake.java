package org.eventrelayer.benchmarks.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * An intake on 127.0.0.1 for the latency runs: notes when each event arrived ({@link System#nanoTime()}), by the
 * number at the end of its {@code meta.uri}, and counts repeats. It builds a JSON tree per request: slower than the
 * counting intake, so the throughput runs use that one.
 */
final class ArrivalIntake implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConcurrentHashMap<Integer, Long> arrivals = new ConcurrentHashMap<>();
  private final LongAdder duplicates = new LongAdder();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(2);

  ArrivalIntake() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/v1/events", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/events";
  }

  /** When event {@code seq} arrived, or {@code null}. */
  Long arrival(int seq) {
    return arrivals.get(seq);
  }

  /** Distinct events received. */
  int count() {
    return arrivals.size();
  }

  /** Events received again (by the number in their URI). */
  long duplicates() {
    return duplicates.sum();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange; InputStream in = exchange.getRequestBody()) {
      long now = System.nanoTime();
      for (JsonNode e : JSON.readTree(in)) {
        String uri = e.path("meta").path("uri").asText();
        if (arrivals.putIfAbsent(Integer.parseInt(uri.substring(uri.lastIndexOf('_') + 1)), now) != null) {
          duplicates.increment();
        }
      }
      exchange.sendResponseHeaders(201, -1);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
