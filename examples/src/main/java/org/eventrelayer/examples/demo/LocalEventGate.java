package org.eventrelayer.examples.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A small EventGate-compatible intake on 127.0.0.1, for demos and benchmarks: it answers {@code POST /v1/events}
 * as EventGate does, parses and counts the events, and can be taken down (connections refused) and brought up
 * again on the same port. Built on the JDK's {@code com.sun.net.httpserver}; no extra dependency.
 *
 * <p>Answers: {@code 201} when every event is valid ({@code 202} with {@code ?hasty=true}); {@code 207} with
 * {@code {"invalid": [...], "error": []}} when some are not; {@code 400} with {@code {"invalid": [...]}} when none
 * is; {@code 400} with an empty body for an empty body, {@code []} or a content type other than JSON; {@code 500}
 * with a request-level error for malformed JSON or a body over 4 MiB. An event is valid when it is a JSON object
 * with a non-empty {@code $schema} and a {@code meta} object holding non-empty {@code stream} and {@code dt} strings.
 *
 * <pre>{@code
 * try (LocalEventGate gate = LocalEventGate.builder().start()) {
 *   String url = gate.url().toString(); // http://127.0.0.1:<port>/v1/events
 *   ...
 *   gate.stop();    // connection refused from now on
 *   gate.restart(); // same port again
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class LocalEventGate implements AutoCloseable {

  /** The path EventGate serves. */
  public static final String PATH = "/v1/events";
  /** The largest body accepted, as EventGate's common default. */
  public static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final ExecutorService executor;
  private final boolean trackIds;
  private final Set<String> seenIds;
  private final Set<String> seenUris;
  private final LongAdder received = new LongAdder();
  private final LongAdder invalid = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private int port;
  private HttpServer server; // null while down
  private boolean closed;

  private LocalEventGate(int port, int threads, boolean trackIds) {
    this.port = port;
    this.trackIds = trackIds;
    this.seenIds = trackIds ? ConcurrentHashMap.newKeySet() : null;
    this.seenUris = trackIds ? ConcurrentHashMap.newKeySet() : null;
    int seq = SEQ.incrementAndGet();
    AtomicInteger thread = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "local-eventgate-" + seq + "-" + thread.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** A builder; {@link Builder#start()} starts the intake. */
  public static Builder builder() {
    return new Builder();
  }

  /** Options of a {@link LocalEventGate}. */
  public static final class Builder {
    private int port;
    private int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private boolean trackIds;

    private Builder() {}

    /** The port on 127.0.0.1; {@code 0} (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** How many threads handle requests (default: the number of CPUs, at least 2). */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1: " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Remembers every {@code meta.id} received to count duplicates (events received twice, e.g. re-sent after an
     * answer was lost). Costs memory per event: for demos, not for long benchmarks. Off by default.
     */
    public Builder trackIds(boolean trackIds) {
      this.trackIds = trackIds;
      return this;
    }

    /**
     * Starts the intake.
     *
     * @throws IOException if the port cannot be bound
     */
    public LocalEventGate start() throws IOException {
      LocalEventGate gate = new LocalEventGate(port, threads, trackIds);
      try {
        gate.restart();
      } catch (IOException | RuntimeException e) {
        gate.close();
        throw e;
      }
      return gate;
    }
  }

  /** The intake's URL, {@code http://127.0.0.1:<port>/v1/events}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + port() + PATH);
  }

  /** The port the intake listens on (also while it is down: it comes back on the same one). */
  public synchronized int port() {
    return port;
  }

  /** Whether the intake is accepting connections. */
  public synchronized boolean isUp() {
    return server != null;
  }

  /**
   * Takes the intake down: closes the listening socket and every open connection, so that clients get
   * "connection refused" until {@link #restart()}. Idempotent.
   */
  public synchronized void stop() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }

  /**
   * Brings the intake up again on the same port (the first call binds the configured one). Idempotent.
   *
   * @throws IOException if the port cannot be bound (e.g. another process took it meanwhile)
   * @throws IllegalStateException if the intake was closed
   */
  public synchronized void restart() throws IOException {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (server != null) {
      return;
    }
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
    s.createContext("/", this::handle);
    s.setExecutor(executor);
    s.start();
    port = s.getAddress().getPort();
    server = s;
  }

  /** Events accepted (valid events of answered requests), duplicates included. */
  public long received() {
    return received.sum();
  }

  /** Events refused as invalid. */
  public long invalid() {
    return invalid.sum();
  }

  /** The {@code meta.uri} of every valid event received (a live view); empty unless {@link Builder#trackIds} is on. */
  public Set<String> receivedUris() {
    return seenUris == null ? Set.of() : Collections.unmodifiableSet(seenUris);
  }

  /** Events whose {@code meta.id} was already received; always 0 unless {@link Builder#trackIds} is on. */
  public long duplicates() {
    return duplicates.sum();
  }

  /** Requests handled, whatever their answer. */
  public long requests() {
    return requests.sum();
  }

  /** Request body bytes read. */
  public long bytes() {
    return bytes.sum();
  }

  /** Stops the intake and its threads. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    stop();
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "LocalEventGate{" + url() + (isUp() ? ", up" : ", down") + ", received=" + received() + '}';
  }

  // ---------------------------------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.increment();
      if (!PATH.equals(exchange.getRequestURI().getPath())) {
        drain(exchange.getRequestBody());
        respond(exchange, 404, null);
        return;
      }
      if (!"POST".equals(exchange.getRequestMethod())) {
        drain(exchange.getRequestBody());
        exchange.getResponseHeaders().set("Allow", "POST");
        respond(exchange, 405, null);
        return;
      }
      byte[] body = read(exchange.getRequestBody());
      if (body == null) {
        respond(exchange, 500, requestError("request entity too large: over " + MAX_BODY_BYTES + " bytes"));
        return;
      }
      bytes.add(body.length);
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      if (body.length == 0 || contentType == null
          || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        respond(exchange, 400, null);
        return;
      }
      JsonNode root;
      try {
        root = JSON.readTree(body);
      } catch (JsonProcessingException e) {
        respond(exchange, 500, requestError("malformed JSON: " + e.getOriginalMessage()));
        return;
      }
      List<JsonNode> events = new ArrayList<>();
      if (root != null && root.isArray()) {
        root.forEach(events::add);
      } else if (root != null) {
        events.add(root);
      }
      if (events.isEmpty()) {
        respond(exchange, 400, null);
        return;
      }
      ArrayNode invalidList = JSON.createArrayNode();
      int valid = 0;
      for (JsonNode event : events) {
        String problem = problem(event);
        if (problem == null) {
          valid++;
          countId(event);
        } else {
          ObjectNode entry = invalidList.addObject();
          entry.put("status", "invalid");
          entry.set("event", event);
          entry.putObject("context").put("message", problem);
        }
      }
      received.add(valid);
      invalid.add(events.size() - valid);
      if (invalidList.isEmpty()) {
        String query = exchange.getRequestURI().getQuery();
        respond(exchange, query != null && query.contains("hasty=true") ? 202 : 201, null);
      } else {
        ObjectNode answer = JSON.createObjectNode();
        answer.set("invalid", invalidList);
        if (valid > 0) {
          answer.putArray("error");
          respond(exchange, 207, JSON.writeValueAsBytes(answer));
        } else {
          respond(exchange, 400, JSON.writeValueAsBytes(answer));
        }
      }
    }
  }

  /** Why {@code event} is invalid, or {@code null} if it is valid. */
  static String problem(JsonNode event) {
    if (!event.isObject()) {
      return "event must be a JSON object";
    }
    if (!nonEmptyText(event.get("$schema"))) {
      return "'$schema' is required and must be a non-empty string";
    }
    JsonNode meta = event.get("meta");
    if (meta == null || !meta.isObject()) {
      return "'meta' is required and must be an object";
    }
    if (!nonEmptyText(meta.get("stream"))) {
      return "'meta.stream' is required and must be a non-empty string";
    }
    if (!nonEmptyText(meta.get("dt"))) {
      return "'meta.dt' is required and must be a non-empty string";
    }
    return null;
  }

  private static boolean nonEmptyText(JsonNode n) {
    return n != null && n.isTextual() && !n.asText().isEmpty();
  }

  private void countId(JsonNode event) {
    if (!trackIds) {
      return;
    }
    JsonNode id = event.path("meta").get("id");
    if (id != null && id.isTextual() && !seenIds.add(id.asText())) {
      duplicates.increment();
    }
    JsonNode uri = event.path("meta").get("uri");
    if (uri != null && uri.isTextual()) {
      seenUris.add(uri.asText());
    }
  }

  private static byte[] requestError(String detail) throws IOException {
    ObjectNode error = JSON.createObjectNode();
    error.put("status", 500);
    error.put("type", "internal_error");
    error.put("title", "Internal Server Error");
    error.put("detail", detail);
    return JSON.writeValueAsBytes(error);
  }

  /** Reads the whole body, or returns {@code null} (having drained it) if it exceeds {@link #MAX_BODY_BYTES}. */
  private static byte[] read(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    byte[] buf = new byte[16384];
    int n;
    while ((n = in.read(buf)) >= 0) {
      if (out.size() + n > MAX_BODY_BYTES) {
        drain(in);
        return null;
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[16384];
    while (in.read(buf) >= 0) {
      // discard
    }
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    if (body == null) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
