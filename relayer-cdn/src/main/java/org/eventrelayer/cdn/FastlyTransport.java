package org.eventrelayer.cdn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.eventrelayer.spi.Config;

/**
 * Fastly purges: by URL ({@code POST <baseUrl>/purge/<host><path>}, one request per URL, as Fastly's API has no
 * batch URL purge) or by surrogate key ({@code POST <baseUrl>/service/<serviceId>/purge} with
 * {@code {"surrogate_keys": [...]}}, up to 256 keys a request; the key of a purge is its URL's path). Authenticated
 * with {@code Fastly-Key}; {@code soft: true} adds {@code Fastly-Soft-Purge: 1} (mark stale instead of remove).
 */
final class FastlyTransport extends ApiPurgeTransport {

  static final String DEFAULT_BASE_URL = "https://api.fastly.com";
  /** Fastly's documented maximum of surrogate keys in one batch purge. */
  static final int MAX_KEYS = 256;
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SERVICE_ID = Pattern.compile("[A-Za-z0-9]{1,64}");

  private final String apiKey;
  private final boolean byKey;
  private final HttpUrl keyEndpoint; // null in url mode
  private final boolean soft;
  private final int maxKeys;

  private FastlyTransport(String service, ApiSettings api, String apiKey, String serviceId, boolean soft,
      int maxKeys) {
    super(service, "fastly", "Fastly", "apiKey", api);
    this.apiKey = apiKey;
    this.byKey = serviceId != null;
    this.keyEndpoint = serviceId == null ? null
        : api.baseUrl.newBuilder().addPathSegment("service").addPathSegment(serviceId).addPathSegment("purge").build();
    this.soft = soft;
    this.maxKeys = maxKeys;
  }

  /**
   * Reads the keys and builds the transport. Touches no network.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault (never showing the API key)
   */
  static FastlyTransport create(String service, Config c) {
    String apiKey = c.requireString("apiKey").trim();
    if (!ApiHeaders.isHeaderValue(apiKey)) {
      throw c.error("apiKey", "contains characters not allowed in an HTTP header (value hidden)");
    }
    String mode = c.getChoice("mode", "url", List.of("url", "key"));
    String serviceId = c.getString("serviceId", null);
    if (mode.equals("key")) {
      if (serviceId == null || !SERVICE_ID.matcher(serviceId.trim()).matches()) {
        throw c.error("serviceId", "is required with mode: key: the Fastly service id (letters and digits)");
      }
      serviceId = serviceId.trim();
    } else if (serviceId != null) {
      throw c.error("serviceId", "only applies with mode: key (URL purges name the URL, not the service)");
    }
    boolean soft = c.getBoolean("soft", false);
    int maxKeys = c.getInt("maxKeysPerRequest", MAX_KEYS, 1, MAX_KEYS);
    if (c.has("maxKeysPerRequest") && !mode.equals("key")) {
      throw c.error("maxKeysPerRequest", "only applies with mode: key");
    }
    // Fastly documents no request-rate limit for purges: no local bucket unless configured; its 429 answers and
    // Fastly-RateLimit-* headers steer the pacing.
    ApiSettings api = ApiSettings.from(c, new ApiSettings.Defaults(DEFAULT_BASE_URL, 0, 1, 0, 1,
        Duration.ofSeconds(1)), mode.equals("key") ? maxKeys : 1);
    return new FastlyTransport(service, api, apiKey, mode.equals("key") ? serviceId : null, soft, maxKeys);
  }

  @Override
  List<Planned> plan(List<PurgeTarget> targets, List<Integer> indices) throws IOException {
    return byKey ? planKeys(targets, indices) : planUrls(targets, indices);
  }

  private List<Planned> planUrls(List<PurgeTarget> targets, List<Integer> indices) {
    List<Planned> out = new ArrayList<>(targets.size());
    for (int k = 0; k < targets.size(); k++) {
      PurgeTarget t = targets.get(k);
      HttpUrl url = HttpUrl.get(api.baseUrl.newBuilder().addPathSegment("purge").build() + "/" + t.withoutScheme());
      out.add(new Planned(new int[] {indices.get(k)}, request(url, RequestBody.create(new byte[0], null)), 1));
    }
    return out;
  }

  private List<Planned> planKeys(List<PurgeTarget> targets, List<Integer> indices) throws IOException {
    // One key may stand for several purges (the same path on several hosts): it is sent once, for all of them.
    Map<String, List<Integer>> byKeyName = new LinkedHashMap<>();
    for (int k = 0; k < targets.size(); k++) {
      byKeyName.computeIfAbsent(targets.get(k).path(), x -> new ArrayList<>()).add(indices.get(k));
    }
    List<Planned> out = new ArrayList<>();
    List<String> keys = new ArrayList<>(byKeyName.keySet());
    for (int from = 0; from < keys.size(); from += maxKeys) {
      List<String> chunk = keys.subList(from, Math.min(keys.size(), from + maxKeys));
      ObjectNode body = JSON.createObjectNode();
      ArrayNode array = body.putArray("surrogate_keys");
      List<Integer> events = new ArrayList<>();
      for (String key : chunk) {
        array.add(key);
        events.addAll(byKeyName.get(key));
      }
      Request r = request(keyEndpoint, RequestBody.create(JSON.writeValueAsBytes(body), JSON_TYPE));
      out.add(new Planned(events.stream().mapToInt(Integer::intValue).toArray(), r, chunk.size()));
    }
    return out;
  }

  private Request request(HttpUrl url, RequestBody body) {
    Request.Builder b = new Request.Builder().url(url)
        .header("Fastly-Key", apiKey)
        .header("Accept", "application/json")
        .header("User-Agent", ApiHeaders.USER_AGENT)
        .post(body);
    if (soft) {
      b.header("Fastly-Soft-Purge", "1");
    }
    return b.build();
  }
}
