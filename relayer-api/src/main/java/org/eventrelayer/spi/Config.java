package org.eventrelayer.spi;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eventrelayer.ConfigException;

/**
 * One config entry (a relayer, an event service or a stream) as flat, dot-joined keys, with typed accessors that
 * validate and fail with a {@link ConfigException} naming the full key. Backed by a map, so the map form and the
 * properties form of a group's config read the same way.
 *
 * <p>The entry remembers which keys were read; the group rejects keys nobody read, so a typo such as
 * {@code timout} fails at build time instead of being ignored.
 */
public final class Config {

  private static final Pattern DURATION =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(password|passwd|secret|token|credential|authorization|sasl\\.jaas|key\\.pem|apikey|api-key|header).*");

  private final String path;
  private final String separator;
  private final Map<String, Object> values;
  private final Set<String> used;

  private Config(String path, String separator, Map<String, Object> values, Set<String> used) {
    this.path = path;
    this.separator = separator;
    this.values = values;
    this.used = used;
  }

  /**
   * Creates an entry.
   *
   * @param path the entry's own key, e.g. {@code eventServices.eventgate}, prefixed to every error
   * @param flatValues the entry's keys, already dot-joined; values are strings, numbers, booleans or lists
   */
  public static Config of(String path, Map<String, ?> flatValues) {
    return of(path, ".", flatValues);
  }

  /**
   * Creates an entry whose full keys join path and key with {@code separator} (KBase's listener keys, such as
   * {@code listener-Kafka-config-topic}, use {@code -}).
   */
  public static Config of(String path, String separator, Map<String, ?> flatValues) {
    return new Config(path, separator, Collections.unmodifiableMap(new LinkedHashMap<>(flatValues)),
        ConcurrentHashMap.newKeySet());
  }

  /**
   * A view of this entry without {@code keys}, for a component that must not see them (a transport gets the
   * service's entry without the delivery engine's keys). Reading a key through the view marks it used here too.
   */
  public Config without(Collection<String> keys) {
    Map<String, Object> rest = new LinkedHashMap<>(values);
    rest.keySet().removeAll(keys);
    return new Config(path, separator, Collections.unmodifiableMap(rest), used);
  }

  /** The entry's own key, e.g. {@code eventServices.eventgate}. */
  public String path() {
    return path;
  }

  /** The full key of {@code key} in this entry, e.g. {@code eventServices.eventgate.url}. */
  public String fullKey(String key) {
    return path.isEmpty() ? key : path + separator + key;
  }

  /** Every key present, in config order. */
  public Set<String> keys() {
    return values.keySet();
  }

  /** Whether {@code key} is present with a non-blank value. */
  public boolean has(String key) {
    Object v = values.get(key);
    return v != null && !(v instanceof String s && s.isBlank());
  }

  /** Marks {@code key} as understood without reading it. */
  public void markUsed(String key) {
    used.add(key);
  }

  /** Keys present that no accessor read and nobody marked used, sorted. */
  public Set<String> unusedKeys() {
    Set<String> unused = new TreeSet<>(values.keySet());
    unused.removeAll(used);
    return unused;
  }

  /** The raw value of {@code key}, or {@code null}; marks the key used. */
  public Object raw(String key) {
    used.add(key);
    return values.get(key);
  }

  /** The value of {@code key} as a trimmed string, if present and not blank. */
  public Optional<String> getString(String key) {
    Object v = raw(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Map || v instanceof Collection) {
      throw error(key, "expected a single value, got a " + (v instanceof Map ? "map" : "list"));
    }
    String s = v.toString().trim();
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  /** The value of {@code key} as a string, or {@code defaultValue}. */
  public String getString(String key, String defaultValue) {
    return getString(key).orElse(defaultValue);
  }

  /** The value of {@code key} as a string; fails if missing or blank. */
  public String requireString(String key) {
    return getString(key).orElseThrow(() -> error(key, "is required"));
  }

  /**
   * A duration: {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, ISO-8601 ({@code PT10S}), or a
   * bare number of milliseconds.
   */
  public Duration getDuration(String key, Duration defaultValue) {
    Optional<String> s = getString(key);
    if (s.isEmpty()) {
      return defaultValue;
    }
    Duration d = parseDuration(s.get());
    if (d == null) {
      throw error(key, "is not a duration: " + shown(key, s.get())
          + " (use e.g. 250ms, 10s, 5m, PT10S, or a number of milliseconds)");
    }
    if (d.isNegative()) {
      throw error(key, "must not be negative");
    }
    return d;
  }

  /** A duration within {@code [min, max]}. */
  public Duration getDuration(String key, Duration defaultValue, Duration min, Duration max) {
    Duration d = getDuration(key, defaultValue);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw error(key, "must be between " + min + " and " + max + ", got " + d);
    }
    return d;
  }

  static Duration parseDuration(String s) {
    String t = s.trim();
    try {
      if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
        return Duration.ofMillis(Long.parseLong(t));
      }
      if (t.startsWith("P") || t.startsWith("p") || t.startsWith("-P")) {
        return Duration.parse(t);
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      return null;
    }
    Matcher m = DURATION.matcher(t);
    if (!m.matches()) {
      return null;
    }
    double amount = Double.parseDouble(m.group(1));
    double millis = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "ms" -> amount;
      case "s" -> amount * 1_000;
      case "m" -> amount * 60_000;
      case "h" -> amount * 3_600_000;
      default -> amount * 86_400_000;
    };
    if (millis > Long.MAX_VALUE / 2) {
      return null;
    }
    return Duration.ofNanos(Math.round(millis * 1_000_000d));
  }

  /** An integer within {@code [min, max]}, or {@code defaultValue}. */
  public int getInt(String key, int defaultValue, int min, int max) {
    return (int) getLong(key, defaultValue, min, max);
  }

  /** A long within {@code [min, max]}, or {@code defaultValue}. */
  public long getLong(String key, long defaultValue, long min, long max) {
    Optional<String> s = getString(key);
    if (s.isEmpty()) {
      return defaultValue;
    }
    long v;
    try {
      v = Long.parseLong(s.get().replace("_", ""));
    } catch (NumberFormatException e) {
      throw error(key, "is not a whole number: " + shown(key, s.get()));
    }
    if (v < min || v > max) {
      throw error(key, "must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  /** A number within {@code [min, max]}, or {@code defaultValue}. */
  public double getDouble(String key, double defaultValue, double min, double max) {
    Optional<String> s = getString(key);
    if (s.isEmpty()) {
      return defaultValue;
    }
    double v;
    try {
      v = Double.parseDouble(s.get());
    } catch (NumberFormatException e) {
      throw error(key, "is not a number: " + shown(key, s.get()));
    }
    if (!(v >= min && v <= max)) {
      throw error(key, "must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  /**
   * A size in bytes within {@code [min, max]}: a number of bytes, or with a unit ({@code 64KiB}, {@code 4MiB},
   * {@code 1GiB}; {@code KB}/{@code MB}/{@code GB} are read as powers of 1024 too).
   */
  public long getBytes(String key, long defaultValue, long min, long max) {
    Optional<String> s = getString(key);
    if (s.isEmpty()) {
      return defaultValue;
    }
    Matcher m = SIZE.matcher(s.get().replace("_", ""));
    if (!m.matches()) {
      throw error(key, "is not a size: " + shown(key, s.get()) + " (use e.g. 4194304, 512KiB, 4MiB)");
    }
    long unit = switch (m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT)) {
      case "kb", "kib", "k" -> 1024L;
      case "mb", "mib", "m" -> 1024L * 1024;
      case "gb", "gib", "g" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    long v;
    try {
      v = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    } catch (ArithmeticException | NumberFormatException e) {
      throw error(key, "is too large: " + shown(key, s.get()));
    }
    if (v < min || v > max) {
      throw error(key, "must be between " + min + " and " + max + " bytes, got " + v);
    }
    return v;
  }

  /** {@code true} or {@code false} (any case), or {@code defaultValue}. */
  public boolean getBoolean(String key, boolean defaultValue) {
    Optional<String> s = getString(key);
    if (s.isEmpty()) {
      return defaultValue;
    }
    return switch (s.get().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw error(key, "must be true or false, got " + shown(key, s.get()));
    };
  }

  /** One of {@code allowed} (case-insensitive, returned lower-case), or {@code defaultValue}. */
  public String getChoice(String key, String defaultValue, Collection<String> allowed) {
    Optional<String> s = getString(key);
    if (s.isEmpty()) {
      return defaultValue;
    }
    String v = s.get().toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      throw error(key, "must be one of " + allowed + ", got " + shown(key, s.get()));
    }
    return v;
  }

  /** A list: a YAML/JSON list, or a comma-separated string; blank items are skipped. Empty if missing. */
  public List<String> getList(String key) {
    Object v = raw(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v instanceof Collection<?> c) {
      for (Object o : c) {
        if (o instanceof Map || o instanceof Collection) {
          throw error(key, "must be a list of plain values");
        }
        if (o != null && !o.toString().isBlank()) {
          out.add(o.toString().trim());
        }
      }
      return out;
    }
    if (v instanceof Map) {
      throw error(key, "must be a list, got a map");
    }
    for (String part : v.toString().split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  /** A required absolute {@code http} or {@code https} URL with a host. */
  public URI requireHttpUrl(String key) {
    String s = requireString(key);
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw error(key, "is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw error(key, "must be an http:// or https:// URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw error(key, "must name a host");
    }
    if (uri.getUserInfo() != null) {
      throw error(key, "must not carry credentials; put them in headers instead");
    }
    return uri;
  }

  /**
   * Every key under {@code prefix + "."}, with the prefix removed, as strings; each is marked used. E.g.
   * {@code getSubMap("headers")} turns {@code headers.Authorization} into {@code Authorization}.
   */
  public Map<String, String> getSubMap(String prefix) {
    String p = prefix + ".";
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (e.getKey().startsWith(p) && e.getKey().length() > p.length()) {
        used.add(e.getKey());
        Object v = e.getValue();
        if (v instanceof Map || v instanceof Collection) {
          throw error(e.getKey(), "must be a single value");
        }
        out.put(e.getKey().substring(p.length()), v == null ? "" : v.toString());
      }
    }
    return out;
  }

  /** A {@link ConfigException} for {@code key} of this entry. */
  public ConfigException error(String key, String problem) {
    return new ConfigException(fullKey(key), problem);
  }

  /** Whether a key's value must never be shown in messages (passwords, tokens, headers, SASL settings). */
  public static boolean isSecretKey(String key) {
    return SECRET_KEY.matcher(key).matches();
  }

  private static String shown(String key, String value) {
    if (isSecretKey(key)) {
      return "(value hidden)";
    }
    String v = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return "'" + v + "'";
  }

  @Override
  public String toString() {
    return "Config{" + path + ", keys=" + values.keySet() + '}';
  }
}
