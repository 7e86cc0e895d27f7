package org.eventrelayer.cdn;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;
import org.eventrelayer.spi.Config;

/**
 * Akamai Fast Purge v3 by URL: {@code POST <baseUrl>/ccu/v3/<invalidate|delete>/url/<staging|production>} with
 * {@code {"objects": [...]}}, each body at most {@code maxBodyBytes} (Akamai: 50,000), signed with EdgeGrid, paced
 * by Akamai's documented buckets for requests (100, refilled at 50/s) and URLs (10,000, refilled at 12,000/min).
 * Akamai's {@code X-RateLimit-Remaining} and {@code X-RateLimit-Remaining-Objects} answers steer both buckets.
 */
final class AkamaiTransport extends ApiPurgeTransport {

  /** Akamai's documented body limit: a larger body is answered 413. */
  static final int MAX_BODY_BYTES = 50_000;
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] PREFIX = "{\"objects\":[".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SUFFIX = "]}".getBytes(StandardCharsets.US_ASCII);

  private final HttpUrl endpoint;
  private final EdgeGridSigner signer;
  private final int maxBodyBytes;
  private final int maxObjects;

  private AkamaiTransport(String service, ApiSettings api, HttpUrl endpoint, EdgeGridSigner signer,
      int maxBodyBytes) {
    super(service, "akamai", "Akamai", "clientToken, clientSecret and accessToken", api);
    this.endpoint = endpoint;
    this.signer = signer;
    this.maxBodyBytes = maxBodyBytes;
    this.maxObjects = (int) Math.min(Integer.MAX_VALUE, api.objectBurst);
  }

  /**
   * Reads the keys and builds the transport. Touches no network.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault (never showing a credential)
   */
  static AkamaiTransport create(String service, Config c) {
    String clientToken = credential(c, "clientToken");
    String clientSecret = credential(c, "clientSecret");
    String accessToken = credential(c, "accessToken");
    String action = c.getChoice("action", "invalidate", List.of("invalidate", "delete"));
    String network = c.getChoice("network", "production", List.of("production", "staging"));
    int maxBody = c.getInt("maxBodyBytes", MAX_BODY_BYTES, 1_000, MAX_BODY_BYTES);
    // Akamai: 100 requests refilled at 50/s; 10,000 URLs refilled at 12,000/min; on 429 "wait five seconds".
    ApiSettings api = ApiSettings.from(c, new ApiSettings.Defaults(null, 50, 100, 200, 10_000,
        Duration.ofSeconds(5)), 1);
    HttpUrl endpoint = api.baseUrl.newBuilder().addPathSegments("ccu/v3").addPathSegment(action)
        .addPathSegment("url").addPathSegment(network).build();
    return new AkamaiTransport(service, api, endpoint, new EdgeGridSigner(clientToken, accessToken, clientSecret),
        maxBody);
  }

  private static String credential(Config c, String key) {
    String v = c.requireString(key).trim();
    if (!ApiHeaders.isHeaderValue(v) || v.contains(";") || v.contains(" ")) {
      throw c.error(key, "is not a valid EdgeGrid credential (value hidden)");
    }
    return v;
  }

  /** Packs URLs into bodies of at most {@code maxBodyBytes} and at most one object bucket's worth each. */
  @Override
  List<Planned> plan(List<PurgeTarget> targets, List<Integer> indices) throws IOException {
    List<Planned> out = new ArrayList<>();
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(maxBodyBytes);
    List<Integer> events = new ArrayList<>();
    for (int k = 0; k < targets.size(); k++) {
      byte[] url = JSON.writeValueAsBytes(targets.get(k).url());
      if (PREFIX.length + url.length + SUFFIX.length > maxBodyBytes) {
        out.add(Planned.refused(indices.get(k), "the URL takes " + url.length + " bytes: it cannot fit in a purge "
            + "body of at most " + maxBodyBytes + " bytes (maxBodyBytes)"));
        continue;
      }
      int needed = url.length + (events.isEmpty() ? 0 : 1);
      if (!events.isEmpty() && (PREFIX.length + body.size() + needed + SUFFIX.length > maxBodyBytes
          || events.size() >= maxObjects)) {
        out.add(planned(body.toByteArray(), events));
        body.reset();
        events = new ArrayList<>();
      }
      if (!events.isEmpty()) {
        body.write(',');
      }
      body.write(url);
      events.add(indices.get(k));
    }
    if (!events.isEmpty()) {
      out.add(planned(body.toByteArray(), events));
    }
    return out;
  }

  private Planned planned(byte[] objects, List<Integer> events) {
    byte[] body = new byte[PREFIX.length + objects.length + SUFFIX.length];
    System.arraycopy(PREFIX, 0, body, 0, PREFIX.length);
    System.arraycopy(objects, 0, body, PREFIX.length, objects.length);
    System.arraycopy(SUFFIX, 0, body, PREFIX.length + objects.length, SUFFIX.length);
    Request request = new Request.Builder().url(endpoint)
        .header("User-Agent", ApiHeaders.USER_AGENT)
        .post(RequestBody.create(body, JSON_TYPE))
        .build();
    return new Planned(events.stream().mapToInt(Integer::intValue).toArray(), request, events.size());
  }

  /** Signs when the request actually leaves: pacing may have held it, and the timestamp must be current. */
  @Override
  Request beforeSend(Request request) throws IOException {
    Buffer body = new Buffer();
    request.body().writeTo(body);
    return request.newBuilder()
        .header("Authorization", signer.authorization("POST", request.url(), body.readByteArray()))
        .build();
  }
}
