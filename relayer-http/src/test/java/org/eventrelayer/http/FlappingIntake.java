package org.eventrelayer.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;

/**
 * An EventGate-style intake on 127.0.0.1 whose behaviour the test switches while events flow, and which keeps a
 * ledger of what it did with every event it was sent (by {@code meta.uri}).
 *
 * <p>Some events are intrinsically invalid, as a schema would make them: those whose URI contains
 * {@link #INVALID_MARK}. Whenever the intake answers with per-event verdicts it lists them as {@code invalid} and
 * never takes them; it never takes an event it lists as {@code error} either. Modes:
 * <ul>
 *   <li>{@link Mode#HEALTHY}: takes every valid event; answers 201, or 207 listing the invalid ones;
 *   <li>{@link Mode#UNAVAILABLE}: 503, takes nothing;
 *   <li>{@link Mode#PARTIAL}: 207; lists the invalid events as {@code invalid} and every third valid one as
 *       {@code error} (transient), takes the rest (201 if that lists nothing);
 *   <li>{@link Mode#HUNG}: as healthy, but the answer starts only after {@code hangMillis}, far below the client's
 *       timeout;
 *   <li>{@link Mode#LOST}: takes every valid event, then closes the connection instead of answering: the client
 *       cannot know, so it sends them again. These receipts are recorded as {@link Kind#LOST}, and they are the
 *       only ones that may legitimately be duplicated.
 * </ul>
 * It can also be stopped (connections refused) and started again on the same port.
 *
 * <p>An engine may have several requests in flight, answered in any order: a receipt is recorded when the request
 * is read, before its answer is sent. {@link #stop()} cuts off any answer still on its way, so its callers stop the
 * intake only once the client holds no request in flight (see {@code HttpConcurrencyTest}).
 */
final class FlappingIntake implements AutoCloseable {

  /** The marker of an event the intake will always reject as invalid. */
  static final String INVALID_MARK = "/Invalid_";

  enum Mode { HEALTHY, UNAVAILABLE, PARTIAL, HUNG, LOST }

  /** What the intake did with one event in one request. */
  enum Kind {
    /** Taken, and the answer saying so was sent. */
    ACCEPTED,
    /** Taken, but the answer was withheld (connection closed): the client will send it again. */
    LOST,
    /** Listed as {@code error} (transient, retryable); not taken. */
    ERROR,
    /** Listed as {@code invalid}; never taken. */
    INVALID
  }

  /** One event in one request, with the event as it arrived. */
  record Receipt(Kind kind, String id, int request, Mode mode, String json) {}

  /** The current mode and how many requests it has answered so far. */
  private record Phase(Mode mode, AtomicInteger requests) {}

  private final long hangMillis;
  private final Map<String, List<Receipt>> ledger = new ConcurrentHashMap<>();
  private final Map<Mode, AtomicInteger> requestsByMode = new EnumMap<>(Mode.class);
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger malformed = new AtomicInteger();
  private final AtomicInteger starts = new AtomicInteger();
  private volatile Phase phase = new Phase(Mode.HEALTHY, new AtomicInteger());
  private MockWebServer server;
  private int port;

  FlappingIntake(long hangMillis) {
    this.hangMillis = hangMillis;
    for (Mode m : Mode.values()) {
      requestsByMode.put(m, new AtomicInteger());
    }
  }

  /** Starts listening on {@code port} (0: any free port; afterwards, the same port again). */
  synchronized FlappingIntake start(int wanted) throws IOException {
    if (server != null) {
      return this;
    }
    MockWebServer s = new MockWebServer();
    s.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        try {
          return answer(request);
        } finally {
          drain(s);
        }
      }
    });
    // MockWebServer turns SO_REUSEADDR off when asked for port 0, and connections it accepted inherit that: their
    // TIME_WAIT would then keep a restart on the same port from binding. Keep it on, always.
    s.setServerSocketFactory(ReuseAddressServerSockets.INSTANCE);
    s.start(TestEvents.loopback(), wanted);
    port = s.getPort();
    server = s;
    starts.incrementAndGet();
    return this;
  }

  /** Starts again on the port it had (or any free port the first time). */
  FlappingIntake start() throws IOException {
    return start(port);
  }

  /** Stops listening: connections are refused until {@link #start()}. */
  synchronized void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  synchronized boolean running() {
    return server != null;
  }

  @Override
  public void close() {
    stop();
  }

  int port() {
    return port;
  }

  String url() {
    return "http://127.0.0.1:" + port + "/v1/events";
  }

  /** Switches the behaviour for every request dispatched from now on. */
  void mode(Mode mode) {
    phase = new Phase(mode, new AtomicInteger());
  }

  Mode mode() {
    return phase.mode();
  }

  /** Requests answered (or begun) in the current mode since it was set. */
  int requestsInMode() {
    return phase.requests().get();
  }

  int requests() {
    return requests.get();
  }

  int requests(Mode mode) {
    return requestsByMode.get(mode).get();
  }

  /** Requests whose body was not a non-empty JSON array (answered 400). */
  int malformed() {
    return malformed.get();
  }

  /** Times the server was (re)started. */
  int starts() {
    return starts.get();
  }

  /** Every receipt of every event, by {@code meta.uri}, in arrival order per URI. */
  Map<String, List<Receipt>> ledger() {
    Map<String, List<Receipt>> copy = new HashMap<>();
    ledger.forEach((uri, list) -> {
      synchronized (list) {
        copy.put(uri, List.copyOf(list));
      }
    });
    return copy;
  }

  /** The URIs the intake took at least once (answered or not). */
  Set<String> taken() {
    Set<String> out = new HashSet<>();
    ledger().forEach((uri, list) -> {
      if (list.stream().anyMatch(r -> r.kind() == Kind.ACCEPTED || r.kind() == Kind.LOST)) {
        out.add(uri);
      }
    });
    return out;
  }

  /** Receipts of {@code kind}, summed over every URI. */
  long count(Kind kind) {
    return ledger().values().stream().flatMap(List::stream).filter(r -> r.kind() == kind).count();
  }

  private MockResponse answer(RecordedRequest request) {
    Phase p = phase;
    p.requests().incrementAndGet();
    requestsByMode.get(p.mode()).incrementAndGet();
    int n = requests.incrementAndGet();
    if (p.mode() == Mode.UNAVAILABLE) {
      return HttpTransportResponseTest.line(503).build();
    }
    JsonNode body = TestEvents.tree(request.getBody().toByteArray());
    if (!body.isArray() || body.isEmpty()) {
      malformed.incrementAndGet();
      return HttpTransportResponseTest.line(400).build();
    }
    List<JsonNode> invalid = new ArrayList<>();
    List<JsonNode> error = new ArrayList<>();
    int valid = 0;
    for (JsonNode event : body) {
      String uri = event.path("meta").path("uri").asText();
      String id = event.path("meta").path("id").asText(null);
      Kind kind;
      if (uri.contains(INVALID_MARK)) {
        if (p.mode() == Mode.LOST) {
          continue; // the verdict would have been in the answer that is lost: the client learns nothing
        }
        kind = Kind.INVALID;
        invalid.add(TestEvents.entry(400, event, "'meta.uri' is marked invalid by the test intake"));
      } else if (p.mode() == Mode.PARTIAL && valid++ % 3 == 1) {
        kind = Kind.ERROR;
        error.add(TestEvents.entry(500, event, "transient failure injected by the test intake"));
      } else {
        kind = p.mode() == Mode.LOST ? Kind.LOST : Kind.ACCEPTED;
      }
      List<Receipt> list = ledger.computeIfAbsent(uri, k -> new ArrayList<>());
      synchronized (list) {
        list.add(new Receipt(kind, id, n, p.mode(), event.toString()));
      }
    }
    if (p.mode() == Mode.LOST) {
      return new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build();
    }
    MockResponse.Builder answer = invalid.isEmpty() && error.isEmpty()
        ? HttpTransportResponseTest.line(201)
        : HttpTransportResponseTest.line(207).setHeader("Content-Type", "application/json")
            .body(TestEvents.multiStatus(invalid, error));
    if (p.mode() == Mode.HUNG) {
      answer.headersDelay(hangMillis, TimeUnit.MILLISECONDS);
    }
    return answer.build();
  }

  /** MockWebServer keeps every request for takeRequest(); drop them so a long run does not hold every body. */
  private static void drain(MockWebServer s) {
    try {
      while (s.takeRequest(0, TimeUnit.NANOSECONDS) != null) {
        // discard
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
