package org.eventrelayer.cdn.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP server on 127.0.0.1 for the tests' stand-ins of caches and CDN APIs; {@link #stop()} then
 * {@link #start()} brings it back at the same port (connections are refused meanwhile), and {@link #hang()} makes
 * it take requests without answering until {@link #start()}.
 */
public final class LoopbackServer implements AutoCloseable {

  private final HttpHandler handler;
  private final int port;
  private HttpServer server;
  private ExecutorService executor;
  /** Non-null while hung: requests wait for it, then are dropped unanswered and unhandled. */
  private volatile CountDownLatch hung;

  /** Starts a server answering every request with {@code handler}. */
  public LoopbackServer(HttpHandler handler) {
    this.handler = handler;
    try {
      this.port = LocalVarnish.freePort();
      start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Its port. */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:port}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Starts it again at the same port (no-op if running), ending a {@link #hang()}. */
  public synchronized void start() throws IOException {
    CountDownLatch release = hung;
    if (release != null) {
      hung = null;
      release.countDown();
    }
    if (server != null) {
      return;
    }
    HttpServer s = null;
    for (int attempt = 0; s == null; attempt++) {
      try {
        s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      } catch (BindException e) {
        if (attempt > 100) {
          throw e;
        }
        try {
          Thread.sleep(50); // the port is being released by the previous instance
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException(ie);
        }
      }
    }
    executor = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "test-loopback-server");
      t.setDaemon(true);
      return t;
    });
    s.setExecutor(executor);
    s.createContext("/", this::handle);
    s.start();
    server = s;
  }

  /**
   * Keeps accepting connections and reading requests but answers none until {@link #start()}: a hung server.
   * The held requests are then closed without an answer and never reach the handler, so nothing they carried is
   * recorded after the hang.
   */
  public synchronized void hang() {
    if (hung == null) {
      hung = new CountDownLatch(1);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    CountDownLatch held = hung;
    if (held == null) {
      handler.handle(exchange);
      return;
    }
    try {
      held.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the server is stopping
    }
    exchange.close();
  }

  /** Stops it: connections to its port are refused until {@link #start()}. */
  public synchronized void stop() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** Sends {@code status} with a text or JSON body and closes the exchange. */
  public static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (body.startsWith("{")) {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
    }
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
