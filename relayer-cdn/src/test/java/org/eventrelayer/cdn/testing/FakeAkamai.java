package org.eventrelayer.cdn.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for Akamai Fast Purge v3 on loopback enforcing its documented contract: {@code POST
 * /ccu/v3/<invalidate|delete>/url/<staging|production>}, an EdgeGrid signature it verifies itself (client and access
 * token, a timestamp within two minutes, a nonce never seen before, the HMAC over method, scheme, host, path, body
 * hash and the header's fields; else 401), a body of at most 50,000 bytes (else 413), no URL with a non-ASCII
 * character (else 400 "bad URL" for the whole request, as Akamai documents), and the requests and URL
 * buckets (else 429 with the {@code X-Ratelimit-*} headers, spending no token). Answers 201 like Akamai.
 */
public final class FakeAkamai extends StandIn {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyyMMdd'T'HH:mm:ss'+0000'");

  private final String clientToken;
  private final String accessToken;
  private final String clientSecret;
  private final ServerBucket requests;
  private final ServerBucket urls;
  private final Set<String> nonces = ConcurrentHashMap.newKeySet();
  private final AtomicInteger badSignatures = new AtomicInteger();
  private final AtomicInteger badUrlAnswers = new AtomicInteger();
  private final AtomicInteger largestBody = new AtomicInteger();
  private final Set<String> paths = ConcurrentHashMap.newKeySet();

  public FakeAkamai(String clientToken, String accessToken, String clientSecret, ServerBucket requests,
      ServerBucket urls) {
    this.clientToken = clientToken;
    this.accessToken = accessToken;
    this.clientSecret = clientSecret;
    this.requests = requests;
    this.urls = urls;
  }

  @Override
  protected void handle(HttpExchange ex) throws IOException {
    gate().arrived();
    byte[] body = ex.getRequestBody().readAllBytes();
    String path = ex.getRequestURI().getRawPath();
    if (!ex.getRequestMethod().equals("POST") || !path.matches("/ccu/v3/(invalidate|delete)/url/(staging|production)")) {
      LoopbackServer.answer(ex, 404, problem(404, "Not found", path));
      return;
    }
    String problem = signatureProblem(ex, body);
    if (problem != null) {
      badSignatures.incrementAndGet();
      LoopbackServer.answer(ex, 401, problem(401, "Not authorized", problem));
      return;
    }
    if (body.length > 50_000) {
      LoopbackServer.answer(ex, 413, problem(413, "Request Entity Too Large", "body of " + body.length + " bytes"));
      return;
    }
    JsonNode objects = JSON.readTree(body).path("objects");
    if (!objects.isArray() || objects.isEmpty()) {
      LoopbackServer.answer(ex, 400, problem(400, "Bad request", "objects must be a non-empty array"));
      return;
    }
    for (JsonNode o : objects) {
      if (refuses(o.asText())) {
        badUrlAnswers.incrementAndGet();
        LoopbackServer.answer(ex, 400, problem(400, "bad URL", "Invalid or malformed URL '" + o.asText()
            + "': contains non-ASCII character"));
        return;
      }
    }
    boolean request = requests.tryTake(1);
    boolean objectsOk = request && urls.tryTake(objects.size());
    if (!objectsOk) {
      if (request) {
        requests.tryTake(-1); // denied requests spend no token
      }
      long wait = Math.max(requests.secondsUntil(1), urls.secondsUntil(objects.size()));
      gate().limitedFor(wait);
      rateHeaders(ex);
      LoopbackServer.answer(ex, 429, problem(429, request ? "URL Rate Limit exceeded" : "Rate Limit exceeded", ""));
      return;
    }
    largestBody.accumulateAndGet(body.length, Math::max);
    paths.add(path);
    for (JsonNode o : objects) {
      purged().add(o.asText());
    }
    rateHeaders(ex);
    LoopbackServer.answer(ex, 201, "{\"httpStatus\":201,\"detail\":\"Request accepted\",\"estimatedSeconds\":5,"
        + "\"purgeId\":\"e535071c-26b2-11e7-94d7-276f2f54d938\",\"supportId\":\"17PY1492793544958045-219026624\"}");
  }

  private void rateHeaders(HttpExchange ex) {
    ex.getResponseHeaders().set("X-Ratelimit-Remaining", Long.toString(requests.remaining()));
    ex.getResponseHeaders().set("X-Ratelimit-Remaining-Objects", Long.toString(urls.remaining()));
  }

  /** Why the request's EdgeGrid signature is not right, or {@code null} if it is. */
  private String signatureProblem(HttpExchange ex, byte[] body) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String prefix = "EG1-HMAC-SHA256 ";
    if (auth == null || !auth.startsWith(prefix)) {
      return "no EG1-HMAC-SHA256 Authorization header";
    }
    int sig = auth.indexOf("signature=");
    if (sig < 0) {
      return "no signature";
    }
    String fields = auth.substring(0, sig);
    String signature = auth.substring(sig + "signature=".length());
    java.util.Map<String, String> f = new java.util.HashMap<>();
    for (String part : fields.substring(prefix.length()).split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        f.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    if (!clientToken.equals(f.get("client_token")) || !accessToken.equals(f.get("access_token"))) {
      return "unknown client or access token";
    }
    String timestamp = f.get("timestamp");
    try {
      LocalDateTime at = LocalDateTime.parse(timestamp, TS);
      long skew = Math.abs(Duration.between(at, LocalDateTime.now(ZoneOffset.UTC)).toSeconds());
      if (skew > 120) {
        return "timestamp off by " + skew + " s";
      }
    } catch (RuntimeException e) {
      return "bad timestamp";
    }
    String nonce = f.get("nonce");
    if (nonce == null || !nonces.add(nonce)) {
      return "nonce missing or reused";
    }
    try {
      String key = hmac(clientSecret.getBytes(StandardCharsets.UTF_8), timestamp);
      String contentHash = body.length == 0 ? ""
          : Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
      String query = ex.getRequestURI().getRawQuery();
      String data = "POST\thttp\t" + ex.getRequestHeaders().getFirst("Host") + "\t" + ex.getRequestURI().getRawPath()
          + (query == null ? "" : "?" + query) + "\t\t" + contentHash + "\t" + fields;
      String expected = hmac(key.getBytes(StandardCharsets.UTF_8), data);
      return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
          signature.getBytes(StandardCharsets.UTF_8)) ? null : "signature does not match";
    } catch (Exception e) {
      return "cannot verify: " + e;
    }
  }

  private static String hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
  }

  private static String problem(int status, String title, String detail) {
    return "{\"httpStatus\":" + status + ",\"title\":\"" + title + "\",\"detail\":\"" + detail.replace("\"", "'")
        + "\"}";
  }

  public int badSignatures() {
    return badSignatures.get();
  }

  /** Requests answered 400 "bad URL" (each carried a URL with a non-ASCII character). */
  public int badUrlAnswers() {
    return badUrlAnswers.get();
  }

  public int largestBody() {
    return largestBody.get();
  }

  /** The purge paths that were accepted, e.g. {@code /ccu/v3/invalidate/url/production}. */
  public Set<String> paths() {
    return paths;
  }
}
