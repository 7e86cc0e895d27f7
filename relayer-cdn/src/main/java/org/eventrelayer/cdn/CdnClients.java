package org.eventrelayer.cdn;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.eventrelayer.http.NoDelaySocketFactory;

/**
 * The OkHttp clients of one service: one per destination (each cache host, or the provider's API), sharing one
 * pool of named daemon threads ({@code eventrelayer-<service>-<type>-N}), HTTP/1.1 with keep-alive, no redirects
 * and no silent OkHttp retries (the engine owns retrying, so each call is exactly one attempt).
 * {@link #close()} cancels every call, evicts every pool and stops the threads.
 */
final class CdnClients implements AutoCloseable {

  private final ExecutorService executor;
  private final OkHttpClient base;
  private final List<OkHttpClient> clients = new CopyOnWriteArrayList<>();

  CdnClients(String service, String type, Duration timeout, Duration connectTimeout) {
    String prefix = "eventrelayer-" + service + "-" + type + "-";
    AtomicInteger n = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, prefix + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.base = new OkHttpClient.Builder()
        .callTimeout(timeout)
        .connectTimeout(connectTimeout)
        .readTimeout(timeout)
        .writeTimeout(timeout)
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .socketFactory(new NoDelaySocketFactory())
        .protocols(List.of(Protocol.HTTP_1_1))
        .build();
  }

  /**
   * A client for one destination with its own dispatcher and connection pool.
   *
   * @param connections how many requests (so connections) may be in flight to it at once
   * @param keepAlive how long an idle connection is kept: below the server's idle timeout, so we rarely reuse a
   *     connection it is closing
   */
  OkHttpClient newClient(int connections, Duration keepAlive) {
    Dispatcher dispatcher = new Dispatcher(executor);
    dispatcher.setMaxRequests(connections);
    dispatcher.setMaxRequestsPerHost(connections);
    OkHttpClient client = base.newBuilder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(connections, keepAlive.toMillis(), TimeUnit.MILLISECONDS))
        .build();
    clients.add(client);
    return client;
  }

  /** Cancels every call in flight or waiting, from any thread. */
  void cancelAll() {
    for (OkHttpClient c : clients) {
      c.dispatcher().cancelAll();
    }
  }

  /** Cancels everything, drops every connection and stops the threads (waiting briefly for them to end). */
  @Override
  public void close() {
    cancelAll();
    for (OkHttpClient c : clients) {
      c.connectionPool().evictAll();
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
