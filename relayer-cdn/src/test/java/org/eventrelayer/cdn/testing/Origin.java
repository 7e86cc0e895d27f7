package org.eventrelayer.cdn.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The origin behind the test caches, on 127.0.0.1: answers every GET with a page cacheable for an hour, tagged for
 * the xkey vmod with its path, and counts the requests it got per host and path, so a test can see whether a
 * request reached it or was served from the cache.
 */
public final class Origin implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

  private Origin() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "test-origin");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getRawPath()
          + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
      String key = exchange.getRequestHeaders().getFirst("Host") + path;
      int n = hits.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      byte[] body = ("page " + key + " version " + n + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Cache-Control", "public, max-age=3600");
      exchange.getResponseHeaders().set("xkey", exchange.getRequestURI().getRawPath());
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  /** Starts an origin on a free port. */
  public static Origin start() {
    try {
      return new Origin();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Its port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** How many requests for {@code host} + {@code path} reached it. */
  public int hits(String host, String path) {
    AtomicInteger n = hits.get(host + path);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
