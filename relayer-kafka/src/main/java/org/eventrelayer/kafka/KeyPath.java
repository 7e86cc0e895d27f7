package org.eventrelayer.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a record's key comes from: a dot-separated path of JSON field names ({@code wsid}, {@code meta.domain},
 * {@code meta.uri}), or nothing. A field that is missing or {@code null} gives no key; a string is used as is; a
 * number or boolean as its JSON text; an object or array as its compact JSON.
 */
final class KeyPath {

  /** No key: the producer's partitioner spreads records over the partitions. */
  static final KeyPath NONE = new KeyPath(List.of());

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> segments;

  private KeyPath(List<String> segments) {
    this.segments = segments;
  }

  /**
   * Parses a key setting.
   *
   * @param spec {@code none} (any case) or a path such as {@code meta.domain}
   * @return the path
   * @throws IllegalArgumentException if the path has an empty segment
   */
  static KeyPath parse(String spec) {
    String s = spec.trim();
    if (s.isEmpty() || s.toLowerCase(Locale.ROOT).equals("none")) {
      return NONE;
    }
    String[] parts = s.split("\\.", -1);
    for (String p : parts) {
      if (p.isBlank()) {
        throw new IllegalArgumentException("must be 'none' or a dot-separated path of JSON field names such as "
            + "'meta.domain' or 'wsid', got '" + s + "'");
      }
    }
    return new KeyPath(List.copyOf(Arrays.asList(parts)));
  }

  /** Whether this path gives no key at all. */
  boolean isNone() {
    return segments.isEmpty();
  }

  /** The key for an event given by its fields, or {@code null}. */
  String extract(Map<String, ?> fields) {
    if (segments.isEmpty() || fields == null) {
      return null;
    }
    Object v = fields;
    for (String s : segments) {
      if (!(v instanceof Map<?, ?> m)) {
        return null;
      }
      v = m.get(s);
    }
    if (v == null) {
      return null;
    }
    if (v instanceof CharSequence cs) {
      return cs.toString();
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    try {
      return JSON.writeValueAsString(v);
    } catch (IOException e) {
      return v.toString();
    }
  }

  /** The key for an event known only as JSON, or {@code null}. */
  String extract(byte[] json) {
    if (segments.isEmpty()) {
      return null;
    }
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (IOException e) {
      return null;
    }
    for (String s : segments) {
      if (node == null || !node.isObject()) {
        return null;
      }
      node = node.get(s);
    }
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    return node.isValueNode() ? node.asText() : node.toString();
  }

  @Override
  public String toString() {
    return segments.isEmpty() ? "none" : String.join(".", segments);
  }
}
