package org.eventrelayer.cdn;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import org.eventrelayer.spi.Config;

/** The {@code varnish} transport's own keys of one {@code eventServices.<name>} entry, checked at build time. */
final class VarnishSettings {

  /** How a purge is asked for. */
  enum Method {
    /** {@code PURGE <path>}: the VCL answers {@code return (purge)} for the object and its variants. */
    PURGE,
    /** {@code BAN <path>}: the VCL adds a ban (e.g. on {@code req.http.host} and {@code req.url}). */
    BAN,
    /** {@code PURGE <path>} with the xkey vmod's header naming the surrogate key (the URL's path). */
    XKEY
  }

  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  static final int DEFAULT_CONNECTIONS = 8;
  static final int DEFAULT_IN_FLIGHT_BATCHES = 4;
  static final String DEFAULT_XKEY_HEADER = "xkey-purge";
  /** Below Varnish's default {@code timeout_idle} of 5 s, so we rarely reuse a connection Varnish is closing. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(4);

  final List<HttpUrl> hosts;
  final Method method;
  final String xkeyHeader;
  final int connectionsPerHost;
  final int maxInFlightBatches;
  final Duration timeout;
  final Duration connectTimeout;

  private VarnishSettings(List<HttpUrl> hosts, Method method, String xkeyHeader, int connectionsPerHost,
      int maxInFlightBatches, Duration timeout, Duration connectTimeout) {
    this.hosts = List.copyOf(hosts);
    this.method = method;
    this.xkeyHeader = xkeyHeader;
    this.connectionsPerHost = connectionsPerHost;
    this.maxInFlightBatches = maxInFlightBatches;
    this.timeout = timeout;
    this.connectTimeout = connectTimeout;
  }

  /**
   * Reads and checks every key.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  static VarnishSettings from(Config config) {
    List<String> raw = config.getList("hosts");
    if (raw.isEmpty()) {
      throw config.error("hosts", "is required: the caches to purge, comma-separated host:port "
          + "(e.g. 10.0.0.1:6081,10.0.0.2:6081); every purge goes to every host");
    }
    Set<String> seen = new LinkedHashSet<>();
    List<HttpUrl> hosts = new ArrayList<>();
    for (String h : raw) {
      HttpUrl url = hostUrl(h);
      if (url == null) {
        throw config.error("hosts", "entry '" + h + "' is not host:port (a host name or IP and a port 1-65535)");
      }
      if (!seen.add(url.host() + ":" + url.port())) {
        throw config.error("hosts", "lists " + h + " twice");
      }
      hosts.add(url);
    }
    String m = config.getChoice("method", "purge", List.of("purge", "ban", "xkey"));
    Method method = Method.valueOf(m.toUpperCase(Locale.ROOT));
    String xkeyHeader = config.getString("xkeyHeader", DEFAULT_XKEY_HEADER).trim();
    if (!isToken(xkeyHeader)) {
      throw config.error("xkeyHeader", "is not a valid HTTP header name");
    }
    if (config.has("xkeyHeader") && method != Method.XKEY) {
      throw config.error("xkeyHeader", "only applies with method: xkey");
    }
    int connections = config.getInt("connectionsPerHost", DEFAULT_CONNECTIONS, 1, 256);
    int inFlight = config.getInt("maxInFlightBatches", DEFAULT_IN_FLIGHT_BATCHES, 1, 64);
    Duration timeout = config.getDuration("timeout", DEFAULT_TIMEOUT, Duration.ofMillis(10), Duration.ofMinutes(5));
    Duration connectTimeout = config.getDuration("connectTimeout",
        timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2),
        Duration.ofMillis(10), Duration.ofMinutes(5));
    if (connectTimeout.compareTo(timeout) > 0) {
      throw config.error("connectTimeout", "must not exceed timeout (" + timeout.toMillis() + " ms)");
    }
    return new VarnishSettings(hosts, method, xkeyHeader, connections, inFlight, timeout, connectTimeout);
  }

  /** {@code http://host:port/} for {@code host:port}, or {@code null} when it is not that. */
  static HttpUrl hostUrl(String hostPort) {
    String s = hostPort.trim();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1 || s.contains("/") || s.contains("@")) {
      return null;
    }
    try {
      int port = Integer.parseInt(s.substring(colon + 1));
      if (port < 1 || port > 65535) {
        return null;
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return HttpUrl.parse("http://" + s + "/");
  }

  /** RFC 9110 token characters, at least one. */
  static boolean isToken(String s) {
    return TOKEN.matcher(s).matches();
  }
}
