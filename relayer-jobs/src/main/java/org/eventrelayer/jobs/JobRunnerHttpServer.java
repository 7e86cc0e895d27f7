package org.eventrelayer.jobs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.jobs.internal.RunJobResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link JobRunner} on the JDK's built-in HTTP server ({@code com.sun.net.httpserver}): no dependency,
 * bound to loopback by default, {@code POST} on {@link JobRunner#DEFAULT_ROUTE} unless another route is set.
 * Request bodies are read up to the runner's {@link JobRunner#maxBodyBytes()}; other paths answer 404. Sets
 * {@code sun.net.httpserver.nodelay=true} unless the host set it (see the README's jobs section for why).
 *
 * <pre>{@code
 * JobRunnerHttpServer server = JobRunnerHttpServer.builder(runner).port(8090).start();
 * }</pre>
 */
public final class JobRunnerHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JobRunnerHttpServer.class);
  private static final AtomicInteger SERVERS = new AtomicInteger();
  private static final String NODELAY = "sun.net.httpserver.nodelay";

  static {
    // The JDK server flushes headers and body as separate small segments; with Nagle's algorithm on, each answer
    // then waits out the client's delayed ACK (~40 ms: 21 jobs/s instead of thousands). The JDK reads this
    // property once, when its first server is created: a host may still set it to false itself.
    if (System.getProperty(NODELAY) == null) {
      System.setProperty(NODELAY, "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final JobRunner runner;
  private final String route;
  private final Object inFlightLock = new Object();
  private int inFlight; // guarded by inFlightLock

  private JobRunnerHttpServer(Builder b) throws IOException {
    this.runner = b.runner;
    this.route = b.route;
    this.server = HttpServer.create(new InetSocketAddress(b.address, b.port), b.backlog);
    // Request threads wait for their job, so there must be more of them than job slots: the extra ones answer
    // 503 at once when every slot is busy instead of leaving requests queued behind running jobs.
    int threads = runner.maxConcurrentJobs() + b.extraThreads;
    String prefix = "eventrelayer-runjob-http-" + SERVERS.incrementAndGet() + "-";
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, prefix + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    this.executor = pool;
    server.setExecutor(executor);
    server.createContext("/", this::exchange);
    server.start();
  }

  /** A builder for serving {@code runner}. */
  public static Builder builder(JobRunner runner) {
    return new Builder(runner);
  }

  /** The port the server listens on (the chosen one when built with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The endpoint's full URL, e.g. {@code http://127.0.0.1:8090/eventbus/v0/internal/job/execute}. */
  public String url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort() + route;
  }

  private void exchange(HttpExchange exchange) {
    synchronized (inFlightLock) {
      inFlight++;
    }
    try {
      respond(exchange);
    } finally {
      synchronized (inFlightLock) {
        inFlight--;
        inFlightLock.notifyAll();
      }
    }
  }

  private void respond(HttpExchange exchange) {
    try (exchange) {
      JobRunner.Response response = exchange.getRequestURI().getPath().equals(route)
          ? runner.handle(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Type"),
              exchange.getRequestBody())
          : RunJobResponses.error(404, "Not Found", "route", route);
      byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
      for (Map.Entry<String, String> h : response.headers().entrySet()) {
        exchange.getResponseHeaders().set(h.getKey(), h.getValue());
      }
      exchange.sendResponseHeaders(response.status(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      LOG.debug("RunJob client went away: {}", e.toString()); // nobody left to answer
    }
  }

  /**
   * Stops listening and releases the request threads; does not close the runner (the host owns it). Requests in
   * progress get up to a second to finish.
   */
  @Override
  public void close() {
    // HttpServer.stop(1) would always wait the whole second on JDK 17; wait only for requests in progress.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    synchronized (inFlightLock) {
      long left;
      while (inFlight > 0 && (left = deadline - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(inFlightLock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "JobRunnerHttpServer{" + url() + "}";
  }

  /** Configures a {@link JobRunnerHttpServer}. */
  public static final class Builder {
    private final JobRunner runner;
    private InetAddress address = InetAddress.getLoopbackAddress();
    private int port;
    private String route = JobRunner.DEFAULT_ROUTE;
    private int extraThreads = 4;
    private int backlog = 64;

    private Builder(JobRunner runner) {
      this.runner = Objects.requireNonNull(runner, "runner");
    }

    /** The address to bind (default: loopback). Binding elsewhere exposes the endpoint: keep it internal. */
    public Builder address(InetAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The port (default 0: any free port, see {@link JobRunnerHttpServer#port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /** The path the endpoint answers on (default {@link JobRunner#DEFAULT_ROUTE}). */
    public Builder route(String route) {
      if (route == null || !route.startsWith("/") || route.contains("?") || route.contains("#")) {
        throw new IllegalArgumentException("route must be a path starting with '/', got " + route);
      }
      this.route = route;
      return this;
    }

    /** Request threads beyond the runner's job slots, to answer 503s and errors quickly (default 4). */
    public Builder extraThreads(int extraThreads) {
      if (extraThreads < 1 || extraThreads > 256) {
        throw new IllegalArgumentException("extraThreads must be between 1 and 256, got " + extraThreads);
      }
      this.extraThreads = extraThreads;
      return this;
    }

    /**
     * Binds and starts the server.
     *
     * @throws IOException if the address cannot be bound
     */
    public JobRunnerHttpServer start() throws IOException {
      return new JobRunnerHttpServer(this);
    }
  }
}
