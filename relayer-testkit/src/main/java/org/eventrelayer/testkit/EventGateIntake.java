package org.eventrelayer.testkit;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.DeserializationFeature;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An intake on 127.0.0.1 that answers {@code POST /v1/events} exactly as the real EventGate (wikimedia/eventgate
 * 1.8, default factory, {@code max_body_size: 4mb}) does, point by point:
 *
 * <table>
 * <caption>Answers</caption>
 * <tr><th>request</th><th>answer</th></tr>
 * <tr><td>every event valid and stored</td><td>201, empty body ({@code ?hasty=true}: 202)</td></tr>
 * <tr><td>some stored, some not</td><td>207 {@code {"invalid":[...],"error":[...]}}</td></tr>
 * <tr><td>none stored, all invalid</td><td>400 {@code {"invalid":[...]}}</td></tr>
 * <tr><td>none stored, at least one error</td><td>500 {@code {"invalid":[...],"error":[...]}}</td></tr>
 * <tr><td>body over 4 MiB</td><td>500 {@code {"status":500,"type":"internal_error","title":"PayloadTooLargeError",
 *     ...}}</td></tr>
 * <tr><td>malformed JSON (or a JSON scalar)</td><td>500 {@code {... "title":"SyntaxError" ...}}</td></tr>
 * <tr><td>content type other than JSON / text/plain, empty body, {@code []}, {@code {}}</td><td>400, empty
 *     body</td></tr>
 * </table>
 *
 * <p>An event whose {@code $schema} is missing or names no known schema is listed under {@code error} (EventGate
 * cannot load the schema, which may be transient); one that fails its schema is listed under {@code invalid}, with
 * the validator's messages as {@code context.errors} and {@code context.errorsText}. Entries echo the event as
 * EventGate re-serializes it: parsed as JavaScript does (every number a double, so integers beyond 2^53 come back
 * rounded) and written back with {@code JSON.stringify}'s number format. Stored events are kept in that form too.
 *
 * <p>Known schemas: {@code /resource_change/1.0.0} ({@link ResourceChangeSchema}) unless the builder says
 * otherwise. The intake can be stopped (connections refused) and started again on the same port, and can hold
 * requests without answering (a hung endpoint). Thread-safe.
 */
public final class EventGateIntake implements AutoCloseable {

  /** The path EventGate serves. */
  public static final String PATH = "/v1/events";
  /** EventGate's body limit ({@code max_body_size: 4mb}). */
  public static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
  /** The schema URI of resource_change 1.0.0 events. */
  public static final String RESOURCE_CHANGE = "/resource_change/1.0.0";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS); // exact digits in, JavaScript rounding applied here
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final Map<String, Function<String, List<String>>> schemas;
  private final ExecutorService executor;
  private final Map<String, List<String>> stored = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> storedById = new ConcurrentHashMap<>();
  private final List<Integer> statuses = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong largestBody = new java.util.concurrent.atomic.AtomicLong();
  private volatile Hold hold; // non-null: requests wait on it before being answered
  private volatile int forcedStatus; // non-zero: fault injection, every request answered so
  private int port;
  private HttpServer server;
  private boolean closed;

  private EventGateIntake(Map<String, Function<String, List<String>>> schemas) {
    this.schemas = Map.copyOf(schemas);
    int seq = SEQ.incrementAndGet();
    AtomicInteger thread = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "eventgate-intake-" + seq + "-" + thread.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts an intake that knows resource_change 1.0.0. */
  public static EventGateIntake start() throws IOException {
    return builder().start();
  }

  /** A builder, to declare the schemas the intake knows. */
  public static Builder builder() {
    return new Builder();
  }

  /** Options of an {@link EventGateIntake}. */
  public static final class Builder {
    private final Map<String, Function<String, List<String>>> schemas = new LinkedHashMap<>();

    private Builder() {
      schemas.put(RESOURCE_CHANGE, ResourceChangeSchema::problems);
    }

    /**
     * Makes {@code uri} a known schema, validated by {@code problems} (the event's JSON to its problems; empty
     * when valid).
     */
    public Builder schema(String uri, Function<String, List<String>> problems) {
      if (uri == null || uri.isEmpty()) {
        throw new IllegalArgumentException("schema uri must not be empty");
      }
      schemas.put(uri, java.util.Objects.requireNonNull(problems, "problems"));
      return this;
    }

    /** Starts the intake on a free port of 127.0.0.1. */
    public EventGateIntake start() throws IOException {
      EventGateIntake intake = new EventGateIntake(schemas);
      intake.restart();
      return intake;
    }
  }

  /**
   * A valid resource_change 1.0.0 event on {@code stream} (a mutable map, for tests to spoil): {@code meta.id} is
   * {@code id} unless null, {@code meta.uri} names it.
   */
  public static Map<String, Object> resourceChange(String stream, String id) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("uri", "https://en.example.org/wiki/" + (id == null ? "x" : id));
    if (id != null) {
      meta.put("id", id);
    }
    meta.put("dt", "2026-12-01T00:00:00Z");
    meta.put("domain", "en.example.org");
    meta.put("stream", stream);
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("$schema", RESOURCE_CHANGE);
    event.put("meta", meta);
    event.put("tags", List.of("mediawiki"));
    return event;
  }

  /** {@code http://127.0.0.1:<port>/v1/events}. */
  public synchronized String url() {
    return "http://127.0.0.1:" + port + PATH;
  }

  /** {@code {type: http, url: <url>, timeout: 5s}} plus the keys and values {@code kv}, alternating. */
  public Map<String, Object> serviceConfig(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "http");
    m.put("url", url());
    m.put("timeout", "5s");
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** Refuses connections from now on (keeping the port) until {@link #restart()}; releases held requests. */
  public synchronized void stop() {
    release();
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }

  /** Listens again, on the same port after the first start. */
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

  /** From now on requests are read but not answered (a hung intake), until {@link #release()}. */
  public Hold hold() {
    Hold h = new Hold();
    hold = h;
    return h;
  }

  /** Answers held requests and every later one normally. */
  public void release() {
    Hold h = hold;
    hold = null;
    if (h != null) {
      h.release.countDown();
    }
  }

  /**
   * Fault injection, not EventGate: from now on every request is answered {@code status} with an empty body and
   * nothing is stored (e.g. a proxy's 503 storm, an expired token's 401), until {@link #acceptAll()}.
   */
  public void answerAll(int status) {
    forcedStatus = status;
  }

  /** Ends {@link #answerAll}: requests are answered as EventGate does again. */
  public void acceptAll() {
    forcedStatus = 0;
  }

  /** The largest request body received, in bytes. */
  public long largestBody() {
    return largestBody.get();
  }

  /** Requests held by {@link #hold()}. */
  public final class Hold {
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    private Hold() {}

    /** Waits until a request is held; whether one was within {@code timeout}. */
    public boolean awaitArrived(Duration timeout) throws InterruptedException {
      return arrived.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether requests are still held. */
    public boolean holding() {
      return release.getCount() > 0;
    }

    /** Answers the held requests, and every later one, normally. */
    public void release() {
      if (hold == this) {
        EventGateIntake.this.release();
      } else {
        release.countDown();
      }
    }
  }

  /** The events stored for {@code stream} ({@code meta.stream}), as EventGate wrote them, in arrival order. */
  public List<String> stored(String stream) {
    List<String> list = stored.get(stream);
    if (list == null) {
      return List.of();
    }
    synchronized (list) {
      return new ArrayList<>(list);
    }
  }

  /** How many times an event with this {@code meta.id} was stored (more than once: a duplicate). */
  public int storedCount(String id) {
    AtomicInteger n = storedById.get(id);
    return n == null ? 0 : n.get();
  }

  /** Requests received, whatever their answer. */
  public int requests() {
    return requests.get();
  }

  /** The status of every answer, in order. */
  public List<Integer> statuses() {
    return List.copyOf(statuses);
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      stop();
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "EventGateIntake{" + url() + ", requests=" + requests() + '}';
  }

  // ---------------------------------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      byte[] body = read(exchange.getRequestBody());
      largestBody.accumulateAndGet(body == null ? MAX_BODY_BYTES + 1L : body.length, Math::max);
      Hold h = hold;
      if (h != null) {
        h.arrived.countDown();
        try {
          h.release.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      int forced = forcedStatus;
      if (forced != 0) {
        respond(exchange, forced, null);
        return;
      }
      if (!PATH.equals(exchange.getRequestURI().getPath()) || !"POST".equals(exchange.getRequestMethod())) {
        respond(exchange, 404, null);
        return;
      }
      if (body == null) { // body-parser's PayloadTooLargeError, turned into a 500 by service-runner's handler
        respond(exchange, 500, requestError("PayloadTooLargeError", "request entity too large"));
        return;
      }
      JsonNode root;
      if (!jsonContentType(exchange.getRequestHeaders().getFirst("Content-Type")) || body.length == 0) {
        root = null; // body-parser leaves req.body = {}
      } else {
        try {
          root = parse(body);
        } catch (IOException e) {
          String msg = e instanceof JsonParseException p ? p.getOriginalMessage() : e.getMessage();
          respond(exchange, 500, requestError("SyntaxError", msg));
          return;
        }
      }
      if (root == null || root.isEmpty()) { // lodash isEmpty: {}, [] and no body alike
        respond(exchange, 400, null);
        return;
      }
      List<JsonNode> events = new ArrayList<>();
      if (root.isArray()) {
        root.forEach(events::add);
      } else {
        events.add(root);
      }
      process(exchange, events);
    }
  }

  private void process(HttpExchange exchange, List<JsonNode> events) throws IOException {
    ArrayNode invalid = JSON.createArrayNode();
    ArrayNode error = JSON.createArrayNode();
    int success = 0;
    for (JsonNode event : events) {
      String json = JavaScriptJson.stringify(event);
      JsonNode schema = event.get("$schema");
      Function<String, List<String>> validator = schema != null && schema.isTextual()
          ? schemas.get(schema.asText()) : null;
      if (validator == null) {
        ObjectNode entry = entry(error, "error", json);
        entry.putObject("context").put("message", schema == null || !schema.isTextual()
            ? "Could not extract a schema URI from event: $schema is missing"
            : "Failed loading schema at " + schema.asText());
        continue;
      }
      List<String> problems = validator.apply(json);
      if (!problems.isEmpty()) {
        ObjectNode context = entry(invalid, "invalid", json).putObject("context");
        ArrayNode errors = context.putArray("errors");
        problems.forEach(p -> errors.addObject().put("message", p));
        context.put("errorsText", String.join(", ", problems));
        continue;
      }
      store(json, event);
      success++;
    }
    int failures = invalid.size() + error.size();
    ObjectNode answer = JSON.createObjectNode();
    answer.set("invalid", invalid);
    if (failures == 0) {
      String query = exchange.getRequestURI().getQuery();
      respond(exchange, query != null && query.contains("hasty") ? 202 : 201, null);
    } else if (invalid.size() == events.size()) {
      respond(exchange, 400, JSON.writeValueAsBytes(answer));
    } else {
      answer.set("error", error);
      respond(exchange, success > 0 ? 207 : 500, JSON.writeValueAsBytes(answer));
    }
  }

  private static ObjectNode entry(ArrayNode list, String status, String eventJson) {
    ObjectNode entry = list.addObject();
    entry.put("status", status);
    entry.putRawValue("event", new com.fasterxml.jackson.databind.util.RawValue(eventJson));
    return entry;
  }

  private void store(String json, JsonNode event) {
    String stream = event.path("meta").path("stream").asText("");
    List<String> list = stored.computeIfAbsent(stream, k -> new ArrayList<>());
    synchronized (list) {
      list.add(json);
    }
    JsonNode id = event.path("meta").get("id");
    if (id != null && id.isTextual()) {
      storedById.computeIfAbsent(id.asText(), k -> new AtomicInteger()).incrementAndGet();
    }
  }

  /** body-parser's strict JSON: an object or an array, nothing else. */
  private static JsonNode parse(byte[] body) throws IOException {
    int i = 0;
    while (i < body.length && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) {
      i++;
    }
    if (i == body.length) {
      return null;
    }
    if (body[i] != '{' && body[i] != '[') {
      throw new IOException("Unexpected token " + (char) body[i] + " in JSON at position " + i);
    }
    return JSON.readTree(body);
  }

  private static boolean jsonContentType(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return type.equals("application/json") || type.equals("text/plain") || type.equals("application/reports+json");
  }

  private static byte[] requestError(String title, String detail) throws IOException {
    ObjectNode error = JSON.createObjectNode();
    error.put("status", 500);
    error.put("type", "internal_error");
    error.put("title", title);
    error.put("detail", detail);
    error.put("method", "post");
    error.put("uri", PATH);
    return JSON.writeValueAsBytes(error);
  }

  /** The whole body, or {@code null} (having drained it) if it exceeds {@link #MAX_BODY_BYTES}. */
  private static byte[] read(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    byte[] buf = new byte[16384];
    boolean tooLarge = false;
    int n;
    while ((n = in.read(buf)) >= 0) {
      if (!tooLarge && out.size() + n > MAX_BODY_BYTES) {
        tooLarge = true;
      }
      if (!tooLarge) {
        out.write(buf, 0, n);
      }
    }
    return tooLarge ? null : out.toByteArray();
  }

  private void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    statuses.add(status);
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
