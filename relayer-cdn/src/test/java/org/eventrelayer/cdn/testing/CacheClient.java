package org.eventrelayer.cdn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** GETs pages through a test cache with the page's own {@code Host}, as a browser behind the cache would. */
public final class CacheClient implements AutoCloseable {

  private final OkHttpClient client = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();

  /** The body of {@code path} on {@code host}, fetched through {@code cache}. */
  public String get(LocalVarnish cache, String host, String path) {
    Request request = new Request.Builder().url("http://" + cache.hostPort() + path).header("Host", host).build();
    try (Response r = client.newCall(request).execute()) {
      if (r.code() != 200) {
        throw new IllegalStateException("GET " + host + path + " through " + cache.hostPort() + ": " + r.code());
      }
      return r.body().string();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdownNow();
    client.connectionPool().evictAll();
  }
}
