package org.eventrelayer.jobs.internal;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * MediaWiki's convention for job params that are not text: a top-level param value travels as the string
 * {@code data:application/octet-stream;base64,<base64>} and the RunJob endpoint turns it back into bytes. Here the
 * bytes are a {@code byte[]}.
 */
public final class BinaryParams {

  /** The prefix of an encoded value. */
  public static final String PREFIX = "data:application/octet-stream;base64,";

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private BinaryParams() {}

  /** {@code params} with every top-level {@code byte[]} value encoded, or {@code params} itself if it has none. */
  static Map<?, ?> encode(Map<?, ?> params) {
    if (params.values().stream().noneMatch(v -> v instanceof byte[])) {
      return params;
    }
    Map<Object, Object> copy = new LinkedHashMap<>(params);
    copy.replaceAll((k, v) -> v instanceof byte[] b ? PREFIX + Base64.getEncoder().encodeToString(b) : v);
    return copy;
  }

  /**
   * Decodes every top-level encoded value of {@code params} in place.
   *
   * @return the name of the first param whose base64 is invalid (left as it was), or {@code null}
   */
  static String decode(Map<String, Object> params) {
    for (Map.Entry<String, Object> e : params.entrySet()) {
      if (e.getValue() instanceof String s && s.startsWith(PREFIX)) {
        try {
          // Strict, like PHP's base64_decode($s, true) on the sending side's output: only whitespace is ignored.
          e.setValue(Base64.getDecoder().decode(WHITESPACE.matcher(s.substring(PREFIX.length())).replaceAll("")));
        } catch (IllegalArgumentException invalid) {
          return e.getKey();
        }
      }
    }
    return null;
  }
}
