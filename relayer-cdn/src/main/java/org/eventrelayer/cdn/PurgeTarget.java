package org.eventrelayer.cdn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import org.eventrelayer.core.BatchEvent;

/**
 * What one purge event asks for: its URL ({@code meta.uri}), split into what a cache needs (the {@code Host} and
 * the request target). Read from the event's fields when the engine still has them, else from its JSON (events
 * replayed from a spool).
 *
 * @param url the URL as the event carries it
 * @param host the URL's host, with {@code :port} when it has an explicit one (the {@code Host} header)
 * @param path the path and query, {@code /} at least (the request target)
 */
record PurgeTarget(String url, String host, String path) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The target of {@code event}.
   *
   * @throws IllegalArgumentException with a reason fit for a dead letter when the event has no usable URL
   */
  static PurgeTarget of(BatchEvent event) {
    String uri = uriOf(event);
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("event has no meta.uri to purge");
    }
    return parse(uri);
  }

  /**
   * Splits an absolute {@code http}/{@code https} URL.
   *
   * @throws IllegalArgumentException naming what is wrong with it
   */
  static PurgeTarget parse(String uri) {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("meta.uri is not a valid URI: " + e.getReason());
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("meta.uri must be an http or https URL, got scheme '" + scheme + "'");
    }
    if (parsed.getHost() == null || parsed.getHost().isEmpty()) {
      throw new IllegalArgumentException("meta.uri has no host");
    }
    String host = parsed.getPort() < 0 ? parsed.getHost() : parsed.getHost() + ":" + parsed.getPort();
    String path = parsed.getRawPath() == null || parsed.getRawPath().isEmpty() ? "/" : parsed.getRawPath();
    if (parsed.getRawQuery() != null) {
      path = path + "?" + parsed.getRawQuery();
    }
    return new PurgeTarget(uri, host, path);
  }

  /** The URL without its scheme, {@code host/path?query}: how Fastly's purge API names a cached URL. */
  String withoutScheme() {
    return host + path;
  }

  private static String uriOf(BatchEvent event) {
    Map<String, Object> fields = event.fields();
    if (fields != null && fields.get("meta") instanceof Map<?, ?> meta && meta.get("uri") instanceof String s) {
      return s;
    }
    try {
      JsonNode uri = JSON.readTree(event.json()).path("meta").path("uri");
      return uri.isTextual() ? uri.asText() : null;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("event is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("event is unreadable: " + e.getMessage());
    }
  }
}
