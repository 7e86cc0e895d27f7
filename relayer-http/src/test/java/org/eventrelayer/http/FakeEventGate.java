package org.eventrelayer.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * An EventGate-style intake on 127.0.0.1 for the group-level tests: accepts JSON arrays of events with 201 and
 * records them by {@code meta.stream}, or answers as told (a status storm, a hang held by a latch). It can be
 * stopped (connections refused) and started again on the same port.
 */
final class FakeEventGate implements AutoCloseable {

  /** A hang: requests block in the server until {@link #release()}; the first arrival is observable. */
  final class Hang {
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    /** Waits until a request is stuck in the server. */
    boolean awaitArrived() throws InterruptedException {
      return arrived.await(60, TimeUnit.SECONDS);
    }

    /** Whether the server is still holding requests. */
    boolean holding() {
      return release.getCount() > 0;
    }

    /** Lets stuck requests (and later ones) through to the normal accepting path. */
    void release() {
      behaviour = null;
      release.countDown();
    }

    private MockResponse hold(RecordedRequest request) {
      arrived.countDown();
      try {
        release.await(120, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return accept(request);
    }
  }

  private final Map<String, List<String>> byStream = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final List<Long> bodySizes = new CopyOnWriteArrayList<>();
  private final List<Hang> hangs = new CopyOnWriteArrayList<>();
  private volatile Function<RecordedRequest, MockResponse> behaviour; // null: accept
  private MockWebServer server;
  private int port;

  /** Starts (or restarts on the same port). */
  synchronized FakeEventGate start() throws IOException {
    if (server != null) {
      return this;
    }
    MockWebServer s = new MockWebServer();
    s.setServerSocketFactory(ReuseAddressServerSockets.INSTANCE);
    s.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.incrementAndGet();
        bodySizes.add(request.getBodySize());
        Function<RecordedRequest, MockResponse> b = behaviour;
        return b == null ? accept(request) : b.apply(request);
      }
    });
    s.start(TestEvents.loopback(), port);
    port = s.getPort();
    server = s;
    return this;
  }

  /** Stops listening: connections are refused until {@link #start()}. */
  synchronized void stop() {
    releaseAll();
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Override
  public void close() {
    stop();
  }

  String url() {
    return "http://127.0.0.1:" + port + "/v1/events";
  }

  /** {@code {type: http, url, timeout: 10s}} plus {@code kv}. */
  Map<String, Object> serviceConfig(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "http");
    m.put("url", url());
    m.put("timeout", "10s");
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** From now on, answer every request with {@code code} (recording nothing). */
  void answerAll(int code) {
    behaviour = r -> HttpTransportResponseTest.line(code).build();
  }

  /** From now on, accept and record everything. */
  void acceptAll() {
    behaviour = null;
  }

  /** From now on, hold every request until the returned hang is released. */
  Hang hang() {
    Hang h = new Hang();
    hangs.add(h);
    behaviour = h::hold;
    return h;
  }

  /** Releases every hang, so no server thread stays blocked. */
  void releaseAll() {
    hangs.forEach(Hang::release);
  }

  /** The JSON of every accepted event of {@code stream}, in arrival order. */
  List<String> received(String stream) {
    List<String> events = byStream.get(stream);
    if (events == null) {
      return List.of();
    }
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  int requests() {
    return requests.get();
  }

  /** The largest request body seen. */
  long largestBody() {
    return bodySizes.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private MockResponse accept(RecordedRequest request) {
    JsonNode body = TestEvents.tree(request.getBody().toByteArray());
    if (!body.isArray() || body.isEmpty()) {
      return HttpTransportResponseTest.line(400).build();
    }
    for (JsonNode event : body) {
      String stream = event.path("meta").path("stream").asText();
      List<String> list = byStream.computeIfAbsent(stream, k -> new ArrayList<>());
      synchronized (list) {
        list.add(event.toString());
      }
    }
    return HttpTransportResponseTest.line(201).build();
  }
}
