package org.eventrelayer.internal;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eventrelayer.RefusalReason;

/**
 * A deep, immutable-by-convention copy of a host's event map made on the caller's thread, holding only what JSON
 * can express (maps with string keys, lists, strings, numbers, booleans, null), with an estimate of its size, or
 * the reason it cannot be relayed. Copying here means the host may reuse or mutate its map as soon as
 * {@code notify} returns, and no worker ever meets a value it cannot write.
 */
final class JsonSnapshot {

  static final int MAX_DEPTH = 64;
  static final long MAX_SIZE = 64L << 20;

  private final Map<String, Object> value;
  private final int sizeHint;
  private final String problem;
  private final RefusalReason problemReason;

  private JsonSnapshot(Map<String, Object> value, int sizeHint, String problem, RefusalReason reason) {
    this.value = value;
    this.sizeHint = sizeHint;
    this.problem = problem;
    this.problemReason = reason;
  }

  static JsonSnapshot of(Map<?, ?> map) {
    Walker w = new Walker();
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> copy = (Map<String, Object>) w.copy(map, "", 0);
      return new JsonSnapshot(copy, (int) Math.min(Integer.MAX_VALUE, w.size), null, null);
    } catch (Refused r) {
      return new JsonSnapshot(null, 0, r.getMessage(), r.reason);
    }
  }

  Map<String, Object> value() {
    return value;
  }

  int sizeHint() {
    return sizeHint;
  }

  String problem() {
    return problem;
  }

  RefusalReason problemReason() {
    return problemReason;
  }

  /** The index of the first unpaired UTF-16 surrogate in {@code s}, or -1. */
  static int unpairedSurrogate(CharSequence s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static final class Walker {
    long size;

    Object copy(Object v, String path, int depth) {
      if (depth > MAX_DEPTH) {
        throw new Refused(RefusalReason.UNSERIALIZABLE,
            "nested deeper than " + MAX_DEPTH + " levels at '" + path + "' (a cycle?)");
      }
      if (size > MAX_SIZE) {
        throw new Refused(RefusalReason.EVENT_TOO_LARGE, "event is larger than " + MAX_SIZE + " bytes");
      }
      if (v == null) {
        size += 4;
        return null;
      }
      if (v instanceof String || v instanceof CharSequence || v instanceof Character) {
        String s = v.toString();
        int bad = unpairedSurrogate(s);
        if (bad >= 0) {
          throw new Refused(RefusalReason.UNSERIALIZABLE,
              "string at '" + path + "' has an unpaired UTF-16 surrogate at index " + bad);
        }
        size += 2 + s.length() * 3L / 2 + 1;
        return s;
      }
      if (v instanceof Boolean) {
        size += 5;
        return v;
      }
      if (v instanceof Number n) {
        return number(n, path);
      }
      if (v instanceof Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 4 / 3 + 1));
        size += 2;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!(e.getKey() instanceof String key)) {
            throw new Refused(RefusalReason.UNSERIALIZABLE, "map at '" + path + "' has a "
                + (e.getKey() == null ? "null" : e.getKey().getClass().getName()) + " key; JSON keys are strings");
          }
          if (unpairedSurrogate(key) >= 0) {
            throw new Refused(RefusalReason.UNSERIALIZABLE,
                "key at '" + path + "' has an unpaired UTF-16 surrogate");
          }
          size += key.length() + 4;
          String childPath = path.isEmpty() ? key : path + "." + key;
          out.put(key, copy(e.getValue(), childPath, depth + 1));
        }
        return out;
      }
      if (v instanceof Collection<?> c) {
        List<Object> out = new ArrayList<>(c.size());
        size += 2;
        int i = 0;
        for (Object o : c) {
          out.add(copy(o, path + "[" + i++ + "]", depth + 1));
          size += 1;
        }
        return out;
      }
      if (v.getClass().isArray()) {
        int n = Array.getLength(v);
        List<Object> out = new ArrayList<>(n);
        size += 2;
        for (int i = 0; i < n; i++) {
          out.add(copy(Array.get(v, i), path + "[" + i + "]", depth + 1));
          size += 1;
        }
        return out;
      }
      if (v instanceof Enum<?> e) {
        size += e.name().length() + 2;
        return e.name();
      }
      if (v instanceof UUID || v instanceof TemporalAccessor) {
        String s = v.toString();
        size += s.length() + 2;
        return s;
      }
      throw new Refused(RefusalReason.UNSERIALIZABLE, "value at '" + path + "' is a " + v.getClass().getName()
          + "; events may hold only maps, lists, strings, numbers, booleans and null");
    }

    private Object number(Number n, String path) {
      if (n instanceof Double || n instanceof Float) {
        double d = n.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw new Refused(RefusalReason.UNSERIALIZABLE, "number at '" + path + "' is " + d + "; JSON has no NaN "
              + "or infinity");
        }
        size += 24;
        return n;
      }
      if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
        size += 20;
        return n;
      }
      if (n instanceof BigInteger || n instanceof BigDecimal) {
        String s = n.toString();
        size += s.length();
        return n;
      }
      // AtomicLong, LongAdder, custom Number subclasses: take the value now.
      size += 20;
      double d = n.doubleValue();
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) n.longValue() : (Object) d;
    }
  }

  /** Carries a refusal out of the recursive walk; no stack trace. */
  private static final class Refused extends RuntimeException {
    final RefusalReason reason;

    Refused(RefusalReason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }
}
