package org.eventrelayer.cdn.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for Fastly's purge API on loopback enforcing its documented contract: {@code POST /purge/<host><path>}
 * and {@code POST /service/<id>/purge} with {@code {"surrogate_keys": [...]}} of at most 256 keys (else 400),
 * {@code Fastly-Key} required (else 401 with Fastly's message), and a requests bucket answering 429 with
 * {@code Fastly-RateLimit-Remaining: 0} and {@code Fastly-RateLimit-Reset} (a Unix time) when empty, and 400 for
 * a URL {@link StandIn#refuses}. Records
 * purged URLs ({@code https://} plus what followed {@code /purge/}) and keys, and soft purges.
 */
public final class FakeFastly extends StandIn {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String apiKey;
  private final String serviceId;
  private final ServerBucket bucket;
  private final PurgedUrls keys = new PurgedUrls();
  private final AtomicInteger soft = new AtomicInteger();
  private final AtomicInteger largestKeyBatch = new AtomicInteger();

  public FakeFastly(String apiKey, String serviceId, ServerBucket bucket) {
    this.apiKey = apiKey;
    this.serviceId = serviceId;
    this.bucket = bucket;
  }

  @Override
  protected void handle(HttpExchange ex) throws IOException {
    gate().arrived();
    String path = ex.getRequestURI().getRawPath();
    if (!ex.getRequestMethod().equals("POST")) {
      LoopbackServer.answer(ex, 405, "{\"msg\":\"Method not allowed\"}");
      return;
    }
    if (!apiKey.equals(ex.getRequestHeaders().getFirst("Fastly-Key"))) {
      LoopbackServer.answer(ex, 401, "{\"msg\":\"Provided credentials are missing or invalid\"}");
      return;
    }
    if (!bucket.tryTake(1)) {
      long wait = bucket.secondsUntil(1);
      gate().limitedFor(wait);
      ex.getResponseHeaders().set("Fastly-RateLimit-Remaining", "0");
      ex.getResponseHeaders().set("Fastly-RateLimit-Reset", Long.toString(System.currentTimeMillis() / 1000 + wait));
      LoopbackServer.answer(ex, 429, "{\"msg\":\"Too many requests\"}");
      return;
    }
    ex.getResponseHeaders().set("Fastly-RateLimit-Remaining", Long.toString(bucket.remaining()));
    if (ex.getRequestHeaders().getFirst("Fastly-Soft-Purge") != null) {
      soft.incrementAndGet();
    }
    if (path.startsWith("/purge/") && refuses(ex.getRequestURI().getPath())) {
      LoopbackServer.answer(ex, 400, "{\"msg\":\"Bad request\",\"detail\":\"invalid URL\"}");
    } else if (path.startsWith("/purge/")) {
      String query = ex.getRequestURI().getRawQuery();
      purged().add("https://" + path.substring("/purge/".length()) + (query == null ? "" : "?" + query));
      LoopbackServer.answer(ex, 200, "{\"status\":\"ok\",\"id\":\"108-1391560174-974124\"}");
    } else if (path.equals("/service/" + serviceId + "/purge")) {
      JsonNode array = JSON.readTree(ex.getRequestBody()).path("surrogate_keys");
      if (!array.isArray() || array.isEmpty() || array.size() > 256) {
        LoopbackServer.answer(ex, 400, "{\"msg\":\"Bad request\",\"detail\":\"between 1 and 256 surrogate keys\"}");
        return;
      }
      largestKeyBatch.accumulateAndGet(array.size(), Math::max);
      StringBuilder out = new StringBuilder("{");
      for (JsonNode k : array) {
        keys.add(k.asText());
        out.append(out.length() > 1 ? "," : "").append(JSON.writeValueAsString(k.asText())).append(":\"id\"");
      }
      LoopbackServer.answer(ex, 200, out.append('}').toString());
    } else {
      LoopbackServer.answer(ex, 404, "{\"msg\":\"Record not found\"}");
    }
  }

  /** The surrogate keys purged, in order. */
  public PurgedUrls keys() {
    return keys;
  }

  public int softPurges() {
    return soft.get();
  }

  public int largestKeyBatch() {
    return largestKeyBatch.get();
  }
}
