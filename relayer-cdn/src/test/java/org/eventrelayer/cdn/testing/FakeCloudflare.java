package org.eventrelayer.cdn.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * A stand-in for Cloudflare's purge API on loopback that enforces its documented contract: {@code POST
 * /client/v4/zones/<zone>/purge_cache} with {@code Authorization: Bearer <token>} (else 403 with Cloudflare's
 * error body), a JSON body {@code {"files": [...]}} of at most {@code maxUrls} URLs, none refused by
 * {@link StandIn#refuses} (else 400 for the whole request), and a token bucket
 * per requests and per URLs (else 429 with {@code Retry-After}). Answers 200 {@code {"success": true, ...}} and
 * records every purged URL; {@link RateGate} counts requests sent while a 429's wait ran.
 */
public final class FakeCloudflare extends StandIn {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String zone;
  private final String token;
  private final int maxUrls;
  private final ServerBucket requests;
  private final ServerBucket urls;

  public FakeCloudflare(String zone, String token, int maxUrls, ServerBucket requests, ServerBucket urls) {
    this.zone = zone;
    this.token = token;
    this.maxUrls = maxUrls;
    this.requests = requests;
    this.urls = urls;
  }

  @Override
  protected void handle(HttpExchange ex) throws IOException {
    gate().arrived();
    if (!ex.getRequestMethod().equals("POST")
        || !ex.getRequestURI().getPath().equals("/client/v4/zones/" + zone + "/purge_cache")) {
      LoopbackServer.answer(ex, 404, error(7003, "Could not route to " + ex.getRequestURI().getPath()));
      return;
    }
    if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
      LoopbackServer.answer(ex, 403, error(10000, "Authentication error"));
      return;
    }
    JsonNode body;
    try {
      body = JSON.readTree(ex.getRequestBody());
    } catch (IOException e) {
      LoopbackServer.answer(ex, 400, error(1012, "Request must contain one of \"purge_everything\" or \"files\""));
      return;
    }
    JsonNode files = body == null ? null : body.get("files");
    if (files == null || !files.isArray() || files.isEmpty()) {
      LoopbackServer.answer(ex, 400, error(1012, "Request must contain one of \"purge_everything\" or \"files\""));
      return;
    }
    if (files.size() > maxUrls) {
      LoopbackServer.answer(ex, 400, error(1018, "Only " + maxUrls + " files can be purged at a time"));
      return;
    }
    for (JsonNode f : files) {
      if (refuses(f.asText())) {
        LoopbackServer.answer(ex, 400, error(1012, "Invalid url: " + f.asText()));
        return;
      }
    }
    if (!requests.tryTake(1) || !urls.tryTake(files.size())) {
      long wait = Math.max(requests.secondsUntil(1), urls.secondsUntil(files.size()));
      gate().limitedFor(wait);
      ex.getResponseHeaders().set("Retry-After", Long.toString(wait));
      LoopbackServer.answer(ex, 429, error(10000, "Rate limited. Please wait and consider throttling your request "
          + "speed"));
      return;
    }
    for (JsonNode f : files) {
      purged().add(f.asText());
    }
    LoopbackServer.answer(ex, 200, "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":{\"id\":\"" + zone
        + "\"}}");
  }

  private static String error(int code, String message) {
    return "{\"success\":false,\"errors\":[{\"code\":" + code + ",\"message\":\"" + message + "\"}],"
        + "\"messages\":[],\"result\":null}";
  }

  /** {@code http://127.0.0.1:port/client/v4}: the {@code baseUrl}. */
  @Override
  public String baseUrl() {
    return super.baseUrl() + "/client/v4";
  }
}
