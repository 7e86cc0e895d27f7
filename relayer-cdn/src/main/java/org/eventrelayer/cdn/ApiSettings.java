package org.eventrelayer.cdn;

import java.net.URI;
import java.time.Duration;
import okhttp3.HttpUrl;
import org.eventrelayer.spi.Config;

/**
 * The keys every CDN API transport shares: where the API is, timeouts, connections, and its rate limits as token
 * buckets (requests, and objects such as URLs), each defaulting to what the provider documents (see the README,
 * "Purging caches and CDNs", for the sources).
 */
final class ApiSettings {

  /** A provider's documented defaults; a rate of 0 means the provider documents no limit (no local bucket). */
  record Defaults(String baseUrl, double requestsPerSecond, double requestBurst, double objectsPerSecond,
      double objectBurst, Duration waitOn429) {}

  final HttpUrl baseUrl;
  final Duration timeout;
  final Duration connectTimeout;
  final int connections;
  final int maxInFlightBatches;
  final double requestsPerSecond;
  final double requestBurst;
  final double objectsPerSecond;
  final double objectBurst;
  final Duration waitOn429;

  private ApiSettings(HttpUrl baseUrl, Duration timeout, Duration connectTimeout, int connections,
      int maxInFlightBatches, double requestsPerSecond, double requestBurst, double objectsPerSecond,
      double objectBurst, Duration waitOn429) {
    this.baseUrl = baseUrl;
    this.timeout = timeout;
    this.connectTimeout = connectTimeout;
    this.connections = connections;
    this.maxInFlightBatches = maxInFlightBatches;
    this.requestsPerSecond = requestsPerSecond;
    this.requestBurst = requestBurst;
    this.objectsPerSecond = objectsPerSecond;
    this.objectBurst = objectBurst;
    this.waitOn429 = waitOn429;
  }

  /**
   * Reads the shared keys.
   *
   * @param minObjectBurst the most objects one request may carry: a smaller object bucket could never let it pass
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  static ApiSettings from(Config c, Defaults d, int minObjectBurst) {
    HttpUrl base;
    if (d.baseUrl() == null || c.has("baseUrl")) {
      URI uri = c.requireHttpUrl("baseUrl");
      base = HttpUrl.parse(uri.toString());
      if (base == null || uri.getRawQuery() != null || uri.getFragment() != null || uri.getRawUserInfo() != null) {
        throw c.error("baseUrl", "must be a plain http(s) URL without user info, query or fragment");
      }
    } else {
      base = HttpUrl.get(d.baseUrl());
    }
    Duration timeout = c.getDuration("timeout", Duration.ofSeconds(10), Duration.ofMillis(10), Duration.ofMinutes(5));
    Duration connectTimeout = c.getDuration("connectTimeout",
        timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5),
        Duration.ofMillis(10), Duration.ofMinutes(5));
    if (connectTimeout.compareTo(timeout) > 0) {
      throw c.error("connectTimeout", "must not exceed timeout (" + timeout.toMillis() + " ms)");
    }
    int connections = c.getInt("connections", 4, 1, 64);
    int inFlight = c.getInt("maxInFlightBatches", 2, 1, 16);
    double rps = c.getDouble("requestsPerSecond", d.requestsPerSecond(), 0, 1e6);
    double rBurst = c.getDouble("requestBurst", Math.max(1, d.requestBurst()), 1, 1e7);
    double ops = c.getDouble("objectsPerSecond", d.objectsPerSecond(), 0, 1e7);
    double oBurst = c.getDouble("objectBurst", Math.max(minObjectBurst, d.objectBurst()), 1, 1e8);
    if (ops > 0 && oBurst < minObjectBurst) {
      throw c.error("objectBurst", "must be at least " + minObjectBurst + " (the most objects one request carries), "
          + "or no request could ever be sent");
    }
    return new ApiSettings(base, timeout, connectTimeout, connections, inFlight, rps, rBurst, ops, oBurst,
        d.waitOn429());
  }

  /** The base URL's scheme, host and port, for messages (the path may carry an account id). */
  String shownBase() {
    return baseUrl.scheme() + "://" + baseUrl.host() + ":" + baseUrl.port();
  }
}
