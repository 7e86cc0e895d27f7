package org.eventrelayer.cdn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.eventrelayer.spi.Config;

/**
 * Cloudflare purge by URL: {@code POST <baseUrl>/zones/<zone>/purge_cache} with {@code {"files": [...]}}, at most
 * {@code maxUrlsPerRequest} URLs a request, {@code Authorization: Bearer <apiToken>}, paced by the plan's token
 * buckets. A 2xx whose body says {@code "success": false} is a refusal, with Cloudflare's own error messages.
 */
final class CloudflareTransport extends ApiPurgeTransport {

  /** Cloudflare's documented purge limits per plan (see the README for the source). */
  enum Plan {
    FREE(5.0 / 60, 25, 800, 100),
    PRO(5, 25, 1500, 100),
    BUSINESS(10, 50, 1500, 100),
    ENTERPRISE(50, 500, 3000, 500);

    final double requestsPerSecond;
    final double requestBurst;
    final double urlsPerSecond;
    final int maxUrlsPerRequest;

    Plan(double requestsPerSecond, double requestBurst, double urlsPerSecond, int maxUrlsPerRequest) {
      this.requestsPerSecond = requestsPerSecond;
      this.requestBurst = requestBurst;
      this.urlsPerSecond = urlsPerSecond;
      this.maxUrlsPerRequest = maxUrlsPerRequest;
    }
  }

  static final String DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4";
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9]{1,64}");

  private final HttpUrl endpoint;
  private final String authorization;
  private final int maxUrlsPerRequest;

  private CloudflareTransport(String service, ApiSettings api, String zone, String token, int maxUrlsPerRequest) {
    super(service, "cloudflare", "Cloudflare", "apiToken", api);
    this.endpoint = api.baseUrl.newBuilder().addPathSegment("zones").addPathSegment(zone)
        .addPathSegment("purge_cache").build();
    this.authorization = "Bearer " + token;
    this.maxUrlsPerRequest = maxUrlsPerRequest;
  }

  /**
   * Reads the keys and builds the transport. Touches no network.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault (never showing the token)
   */
  static CloudflareTransport create(String service, Config c) {
    String zone = c.requireString("zone").trim();
    if (!ZONE.matcher(zone).matches()) {
      throw c.error("zone", "must be the zone id (letters and digits, as shown in the Cloudflare dashboard)");
    }
    String token = c.requireString("apiToken").trim();
    if (!ApiHeaders.isHeaderValue(token)) {
      throw c.error("apiToken", "contains characters not allowed in an HTTP header (value hidden)");
    }
    String planName = c.getChoice("plan", "free", List.of("free", "pro", "business", "enterprise"));
    Plan plan = Plan.valueOf(planName.toUpperCase(Locale.ROOT));
    int maxUrls = c.getInt("maxUrlsPerRequest", plan.maxUrlsPerRequest, 1, 500);
    if (maxUrls > plan.maxUrlsPerRequest) {
      throw c.error("maxUrlsPerRequest", "must be at most " + plan.maxUrlsPerRequest + " on the " + planName
          + " plan (500 needs plan: enterprise)");
    }
    ApiSettings api = ApiSettings.from(c, new ApiSettings.Defaults(DEFAULT_BASE_URL, plan.requestsPerSecond,
        plan.requestBurst, plan.urlsPerSecond, plan.urlsPerSecond, Duration.ofSeconds(1)), maxUrls);
    return new CloudflareTransport(service, api, zone, token, maxUrls);
  }

  @Override
  List<Planned> plan(List<PurgeTarget> targets, List<Integer> indices) throws IOException {
    List<Planned> out = new ArrayList<>();
    for (int from = 0; from < targets.size(); from += maxUrlsPerRequest) {
      int to = Math.min(targets.size(), from + maxUrlsPerRequest);
      ObjectNode body = JSON.createObjectNode();
      ArrayNode files = body.putArray("files");
      int[] events = new int[to - from];
      for (int k = from; k < to; k++) {
        files.add(targets.get(k).url());
        events[k - from] = indices.get(k);
      }
      Request request = new Request.Builder().url(endpoint)
          .header("Authorization", authorization)
          .header("User-Agent", ApiHeaders.USER_AGENT)
          .post(RequestBody.create(JSON.writeValueAsBytes(body), JSON_TYPE))
          .build();
      out.add(new Planned(events, request, events.length));
    }
    return out;
  }

  /** Cloudflare answers 200 with {@code "success": false} and its error list when it did not purge. */
  @Override
  Verdict inspect2xx(CallGroup.Answer answer) {
    if (answer.body() == null || answer.body().length == 0) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(answer.body());
      if (root.path("success").isBoolean() && !root.path("success").asBoolean()) {
        List<String> errors = new ArrayList<>();
        for (JsonNode e : root.path("errors")) {
          errors.add(e.path("code").asText() + " " + e.path("message").asText());
        }
        return Verdict.invalid("Cloudflare did not purge: " + errors);
      }
    } catch (IOException notJson) {
      return null; // the status said success; an unreadable body does not undo it
    }
    return null;
  }

}
