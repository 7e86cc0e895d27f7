package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.eventrelayer.http.TestEvents.batch;
import static org.eventrelayer.http.TestEvents.config;
import static org.eventrelayer.http.TestEvents.loopback;
import static org.eventrelayer.http.TestEvents.purges;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.eventrelayer.core.SendResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Whole-exchange failures on loopback: a closed port, a socket that never answers, an answer that comes too late,
 * a reset in the middle of an answer, cancellation while hung, and the threads left after close.
 */
@Timeout(60)
class HttpTransportFaultTest {

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fault-test-helper");
    t.setDaemon(true);
    return t;
  });

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    executor.shutdownNow();
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.add(resource);
    return resource;
  }

  private HttpTransport transport(int port, Object... kv) {
    return track(HttpTransport.create("fault", config("http://127.0.0.1:" + port + "/v1/events", kv)));
  }

  private MockWebServer server(Dispatcher dispatcher) throws IOException {
    MockWebServer server = new MockWebServer();
    if (dispatcher != null) {
      server.setDispatcher(dispatcher);
    }
    server.start(loopback(), 0);
    return track(server);
  }

  @Test
  void closedPortIsAConnectionFailureNotASuccess() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, loopback())) {
      port = socket.getLocalPort();
    }
    HttpTransport transport = transport(port);
    assertThatThrownBy(() -> transport.send(batch(purges(2))))
        .isInstanceOf(ConnectException.class)
        .hasMessageStartingWith("cannot connect to 127.0.0.1:" + port)
        .hasMessageContaining("refused");
  }

  @Test
  void aSocketThatAcceptsAndNeverAnswersIsBoundedByTheTimeout() throws IOException {
    // The kernel completes the handshake from the backlog; nobody ever reads or writes.
    ServerSocket silent = track(new ServerSocket(0, 50, loopback()));
    HttpTransport transport = transport(silent.getLocalPort(), "timeout", "300ms");
    assertThatThrownBy(() -> transport.send(batch(purges(2))))
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("timeout")
        .hasMessageContaining("127.0.0.1:" + silent.getLocalPort());
  }

  @Test
  void anAnswerAfterTheTimeoutIsATimeoutAndTheNextExchangeWorks() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    MockWebServer server = server(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (arrived.getCount() > 0) {
          arrived.countDown();
          release.await(30, TimeUnit.SECONDS); // answers only once the client has given up
        }
        return new MockResponse.Builder().code(201).build();
      }
    });
    resources.add(release::countDown);
    HttpTransport transport = transport(server.getPort(), "timeout", "300ms");

    assertThatThrownBy(() -> transport.send(batch(purges(1))))
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("timeout");
    assertThat(arrived.getCount()).isZero();
    release.countDown();

    assertThat(transport.send(batch(purges(1))).hasRetries()).isFalse();
  }

  @Test
  void aConnectionResetInTheMiddleOfTheAnswerIsAnExchangeFailure() throws Exception {
    ServerSocket listener = track(new ServerSocket(0, 50, loopback()));
    Future<?> server = executor.submit(() -> {
      try (Socket s = listener.accept()) {
        readRequestHead(s.getInputStream());
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 207 Multi-Status\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
            + "{\"invalid\":[{\"status\":400,").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        s.setSoLinger(true, 0); // close with RST
      }
      return null;
    });
    HttpTransport transport = transport(listener.getLocalPort());

    assertThatThrownBy(() -> transport.send(batch(purges(3))))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(InterruptedIOException.class)
        .hasMessageStartingWith("exchange with 127.0.0.1:" + listener.getLocalPort() + " failed");
    server.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aConnectionClosedHalfwayThroughTheBodyIsAnExchangeFailure() throws Exception {
    MockWebServer server = server(null);
    server.enqueue(HttpTransportResponseTest.line(207)
        .body("{\"invalid\":[],\"error\":[" + "{\"status\":500},".repeat(500) + "{}]}")
        .onResponseBody(new SocketEffect.CloseSocket())
        .build());
    HttpTransport transport = transport(server.getPort());
    assertThatThrownBy(() -> transport.send(batch(purges(3)))).isInstanceOf(IOException.class);
  }

  @Test
  void cancelAbortsASendStuckOnAHungServer() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    MockWebServer server = server(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        arrived.countDown();
        release.await(30, TimeUnit.SECONDS);
        return new MockResponse.Builder().code(201).build();
      }
    });
    resources.add(release::countDown);
    // A timeout far beyond the test's own limit: only cancel() can end this send.
    HttpTransport transport = transport(server.getPort(), "timeout", "1h");
    CompletableFuture<SendResult> send = CompletableFuture.supplyAsync(() -> {
      try {
        return transport.send(batch(purges(2)));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, executor);
    assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(send).isNotDone();

    transport.cancel();

    assertThatThrownBy(() -> send.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().cause()
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("canceled: service closing");
    // Later sends fail at once too: the engine only cancels when it is closing.
    assertThatThrownBy(() -> transport.send(batch(purges(1)))).isInstanceOf(InterruptedIOException.class);
  }

  @Test
  void closeLeavesNoOkHttpThreadBehind() throws Exception {
    MockWebServer server = server(null);
    HttpTransport transport = HttpTransport.create("threads", config("http://127.0.0.1:" + server.getPort()
        + "/v1/events"));
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse.Builder().code(201).build());
      assertThat(transport.send(batch(purges(1))).hasRetries()).isFalse();
    }
    // The pooled connection keeps the client's cleanup task (and so its thread) alive until close.
    assertThat(okHttpThreads("threads")).isNotEmpty();

    transport.close();
    transport.close(); // idempotent

    // close() waits for the client's threads to end: none is left, right away.
    assertThat(okHttpThreads("threads")).isEmpty();
    assertThatThrownBy(() -> transport.send(batch(purges(1)))).hasMessage("transport closed");
  }

  /**
   * Live threads that belong to OkHttp clients: named {@code eventrelayer-<service>-okhttp} while idle, and
   * {@code OkHttp ...} while running a task. Okio's JVM-wide "Okio Watchdog" (timeouts of every Okio user,
   * gone by itself after a minute idle) is not a client thread and not counted.
   */
  static List<String> okHttpThreads(String service) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("OkHttp") || n.startsWith(HttpTransport.threadName(service)))
        .toList();
  }

  private static void readRequestHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
    }
  }
}
