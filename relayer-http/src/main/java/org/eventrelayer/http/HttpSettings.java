package org.eventrelayer.http;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import org.eventrelayer.spi.Config;

/**
 * The transport's own keys of one {@code eventServices.<name>} entry, read and validated at build time. The
 * delivery engine reads the queue, batching, retry and breaker keys of the same entry; this class must not.
 */
final class HttpSettings {

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration MAX_CONNECT_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
  static final long DEFAULT_MAX_RESPONSE_BYTES = 1024L * 1024;
  static final String USER_AGENT = "eventrelayer-http";
  /** Chosen by measurement (README, Performance): see {@code maxInFlightRequests}. */
  static final int DEFAULT_MAX_IN_FLIGHT_REQUESTS = 4;
  static final int MAX_IN_FLIGHT_REQUESTS = 64;

  private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
  private static final Duration MAX_TIMEOUT = Duration.ofHours(1);
  private static final long MIN_RESPONSE_BYTES = 1024;
  private static final long MAX_RESPONSE_BYTES = 256L * 1024 * 1024;

  /** Set by the transport itself, so a configured value would break the request or its reading. */
  private static final Set<String> RESERVED_HEADERS = Set.of(
      "host", "content-type", "content-length", "content-encoding", "transfer-encoding", "connection",
      "accept-encoding", "expect", "te", "upgrade", "keep-alive");

  final HttpUrl url;
  /** {@code url} without query, user info or fragment: safe to show in logs and messages. */
  final String shownUrl;
  final Duration timeout;
  final Duration connectTimeout;
  final Duration readTimeout;
  final boolean hasty;
  final Headers headers;
  final SSLSocketFactory sslSocketFactory; // null: the JVM's default trust
  final X509TrustManager trustManager;
  final long maxResponseBytes;
  /** Batches outstanding at once, each on its own connection. */
  final int maxInFlightRequests;

  private HttpSettings(HttpUrl url, Duration timeout, Duration connectTimeout, Duration readTimeout, boolean hasty,
      Headers headers, TrustStores.Trust trust, long maxResponseBytes, int maxInFlightRequests) {
    this.url = url;
    this.shownUrl = url.scheme() + "://" + url.host() + ":" + url.port() + url.encodedPath();
    this.timeout = timeout;
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.hasty = hasty;
    this.headers = headers;
    this.sslSocketFactory = trust == null ? null : trust.socketFactory();
    this.trustManager = trust == null ? null : trust.trustManager();
    this.maxResponseBytes = maxResponseBytes;
    this.maxInFlightRequests = maxInFlightRequests;
  }

  /**
   * Reads and checks every transport key of {@code config}.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault; never showing a header value or password
   */
  static HttpSettings from(Config config) {
    URI uri = config.requireHttpUrl("url");
    if (uri.getFragment() != null) {
      throw config.error("url", "must not have a #fragment");
    }
    HttpUrl parsed = HttpUrl.parse(uri.toString());
    if (parsed == null) {
      throw config.error("url", "is not a URL OkHttp can request");
    }
    boolean hasty = config.getBoolean("hasty", false);
    HttpUrl url = hasty ? parsed.newBuilder().setQueryParameter("hasty", "true").build() : parsed;

    Duration timeout = config.getDuration("timeout", DEFAULT_TIMEOUT, MIN_TIMEOUT, MAX_TIMEOUT);
    Duration connectTimeout = config.getDuration("connectTimeout",
        min(MAX_CONNECT_TIMEOUT_DEFAULT, timeout), MIN_TIMEOUT, MAX_TIMEOUT);
    Duration readTimeout = config.getDuration("readTimeout", timeout, MIN_TIMEOUT, MAX_TIMEOUT);
    if (connectTimeout.compareTo(timeout) > 0) {
      throw config.error("connectTimeout", "must not exceed timeout (" + human(timeout) + "), got "
          + human(connectTimeout) + "; timeout bounds the whole call");
    }
    if (readTimeout.compareTo(timeout) > 0) {
      throw config.error("readTimeout", "must not exceed timeout (" + human(timeout) + "), got "
          + human(readTimeout) + "; timeout bounds the whole call");
    }

    Headers headers = headers(config);
    TrustStores.Trust trust = TrustStores.fromConfig(config, "https".equals(parsed.scheme()));
    long maxResponseBytes = config.getBytes("maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES,
        MIN_RESPONSE_BYTES, MAX_RESPONSE_BYTES);
    int maxInFlightRequests = config.getInt("maxInFlightRequests", DEFAULT_MAX_IN_FLIGHT_REQUESTS, 1,
        MAX_IN_FLIGHT_REQUESTS);
    return new HttpSettings(url, timeout, connectTimeout, readTimeout, hasty, headers, trust, maxResponseBytes,
        maxInFlightRequests);
  }

  private static Headers headers(Config config) {
    Map<String, String> configured = config.getSubMap("headers");
    Headers.Builder out = new Headers.Builder();
    Set<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    boolean userAgent = false;
    for (Map.Entry<String, String> e : configured.entrySet()) {
      String key = "headers." + e.getKey();
      String name = e.getKey().trim();
      if (!isToken(name)) {
        throw config.error(key, "is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)");
      }
      if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw config.error(key, "is set by the transport itself and cannot be configured");
      }
      if (!seen.add(name)) {
        throw config.error(key, "repeats a header already configured (header names are case-insensitive)");
      }
      // The value may be a secret (a token): every message below describes it without showing it.
      String value = e.getValue().trim();
      if (value.isEmpty()) {
        throw config.error(key, "must not be empty");
      }
      int bad = firstInvalidValueChar(value);
      if (bad >= 0) {
        throw config.error(key, "contains a character not allowed in an HTTP header value (at position "
            + bad + "; value hidden)");
      }
      out.add(name, value);
      userAgent |= name.equalsIgnoreCase("User-Agent");
    }
    if (!userAgent) {
      out.add("User-Agent", USER_AGENT);
    }
    return out.build();
  }

  /** RFC 9110 token characters. */
  static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Index of the first character OkHttp would refuse in a header value (visible ASCII, space, tab), or -1. */
  private static int firstInvalidValueChar(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c == '\t' || (c >= 0x20 && c < 0x7f))) {
        return i;
      }
    }
    return -1;
  }

  /** The configured extra header names (never values), for logs. */
  List<String> headerNames() {
    return List.copyOf(headers.names());
  }

  static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** {@code 10s}, {@code 250ms}: how durations are written in config. */
  static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }
}
