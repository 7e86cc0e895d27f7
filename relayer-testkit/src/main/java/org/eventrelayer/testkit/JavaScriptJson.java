package org.eventrelayer.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Writes a parsed JSON value back as Node.js's {@code JSON.stringify(JSON.parse(text))} would: every number is a
 * double (so an integer beyond 2^53 comes back rounded, {@code 1.10} as {@code 1.1}, {@code 1e400} as
 * {@code null}) printed in JavaScript's format, and integer-like keys come first in ascending order. This is the
 * form in which EventGate echoes failed events and stores valid ones.
 */
public final class JavaScriptJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private JavaScriptJson() {}

  /** {@code node} as JavaScript would write it back. */
  public static String stringify(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(node, out);
    return out.toString();
  }

  /** A number as JavaScript's {@code Number.prototype.toString} writes it; {@code null} when not finite. */
  public static String number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return "null";
    }
    if (d == 0) {
      return "0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = bd.unscaledValue().toString();
    int k = digits.length();
    int n = k - bd.scale(); // value = 0.<digits> x 10^n
    StringBuilder b = new StringBuilder(d < 0 ? "-" : "");
    if (k <= n && n <= 21) {
      b.append(digits).append("0".repeat(n - k));
    } else if (0 < n && n <= 21) {
      b.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      b.append("0.").append("0".repeat(-n)).append(digits);
    } else {
      int e = n - 1;
      b.append(digits.charAt(0));
      if (k > 1) {
        b.append('.').append(digits, 1, k);
      }
      b.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
    }
    return b.toString();
  }

  private static void write(JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      out.append('{');
      boolean first = true;
      for (String key : keysInJavaScriptOrder(node)) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(quote(key)).append(':');
        write(node.get(key), out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(node.get(i), out);
      }
      out.append(']');
    } else if (node.isNumber()) {
      out.append(number(node.doubleValue()));
    } else if (node.isTextual()) {
      out.append(quote(node.asText()));
    } else {
      out.append(node.toString()); // true, false, null
    }
  }

  /** Array-index-like keys first, ascending, then the others in insertion order, as V8 orders properties. */
  private static List<String> keysInJavaScriptOrder(JsonNode object) {
    List<String> indexes = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      (isIndex(key) ? indexes : others).add(key);
    }
    indexes.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
    indexes.addAll(others);
    return indexes;
  }

  private static boolean isIndex(String key) {
    if (key.isEmpty() || key.length() > 10 || (key.length() > 1 && key.charAt(0) == '0')) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) < '0' || key.charAt(i) > '9') {
        return false;
      }
    }
    return Long.parseLong(key) < 4294967295L;
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
