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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.eventrelayer.RefusalReason;

/**
 * A deep, immutable-by-convention copy of a host's event map made on the caller's thread, holding only what JSON
 * can express (maps with string keys, lists, strings, numbers, booleans, null), with the size of its compact JSON,
 * or the reason it cannot be relayed. Copying here means the host may reuse or mutate its map as soon as
 * {@code notify} returns, and no worker ever meets a value it cannot write.
 *
 * <p>The caller's work is bounded by the size limit: the copy counts the JSON bytes it has produced as it goes
 * and stops at the first byte past the limit ({@code event-too-large}), so a list claiming two billion elements,
 * a huge array or a small structure sharing one child many times costs at most the limit's worth of copying.
 * Nothing is ever allocated from a size the input claims. Numbers longer than {@value #MAX_NUMBER_DIGITS}
 * digits are refused: they cost the caller time to write out, and common JSON readers (Jackson's default
 * {@code maxNumberLength}) refuse them anyway.
 */
final class JsonSnapshot {

  static final int MAX_DEPTH = 64;
  static final long MAX_SIZE = 64L << 20;
  static final int MAX_NUMBER_DIGITS = 1000;
  /** Bits of a magnitude with more than {@link #MAX_NUMBER_DIGITS} decimal digits (log2(10) = 3.3219...). */
  private static final int MAX_NUMBER_BITS = (int) Math.ceil(MAX_NUMBER_DIGITS * 3.3219280948873626);

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

  /** A snapshot with the library-wide size limit ({@value #MAX_SIZE} bytes). */
  static JsonSnapshot of(Map<?, ?> map) {
    return of(map, MAX_SIZE);
  }

  /**
   * Copies {@code map}, refusing it as {@code event-too-large} as soon as its JSON passes {@code maxBytes}.
   * Whatever the host's objects throw while read becomes an {@code invalid-event} problem.
   */
  static JsonSnapshot of(Map<?, ?> map, long maxBytes) {
    Walker w = new Walker(Math.min(maxBytes, MAX_SIZE));
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> copy = (Map<String, Object>) w.copy(map, 0);
      return new JsonSnapshot(copy, (int) Math.min(Integer.MAX_VALUE, w.size), null, null);
    } catch (Refused r) {
      return new JsonSnapshot(null, 0, r.describe(), r.reason);
    }
  }

  Map<String, Object> value() {
    return value;
  }

  /** The exact length of the copy's compact UTF-8 JSON, as Jackson writes it. */
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
    private final long limit;
    long size;

    Walker(long limit) {
      this.limit = limit;
    }

    private void add(long bytes) {
      size += bytes;
      if (size > limit) {
        throw new Refused(RefusalReason.EVENT_TOO_LARGE, "the event is larger than " + limit
            + " bytes of JSON, the most its event service can send (copying stopped there)");
      }
    }

    Object copy(Object v, int depth) {
      try {
        return copyValue(v, depth);
      } catch (Refused r) {
        throw r;
      } catch (RuntimeException e) { // the host's map, list or value threw while read
        throw new Refused(RefusalReason.INVALID_EVENT, ServiceRelayer.readFailure(e));
      }
    }

    private Object copyValue(Object v, int depth) {
      if (depth > MAX_DEPTH) {
        throw new Refused(RefusalReason.UNSERIALIZABLE, "nested deeper than " + MAX_DEPTH + " levels (a cycle?)");
      }
      if (v == null) {
        add(4);
        return null;
      }
      if (v instanceof CharSequence || v instanceof Character) {
        String s = string(v);
        add(jsonLength(s));
        return s;
      }
      if (v instanceof Boolean b) {
        add(b ? 4 : 5);
        return v;
      }
      if (v instanceof Number n) {
        return number(n);
      }
      if (v instanceof Map<?, ?> m) {
        return map(m, depth);
      }
      if (v instanceof Collection<?> c) {
        // Never pre-sized from c.size(): nCopies(Integer.MAX_VALUE, x) claims what it does not hold.
        List<Object> out = new ArrayList<>(Math.min(Math.max(c.size(), 0), 16));
        add(2);
        int i = 0;
        for (Object o : c) {
          add(i == 0 ? 0 : 1);
          try {
            out.add(copy(o, depth + 1));
          } catch (Refused r) {
            throw r.within("[" + i + "]");
          }
          i++;
        }
        return out;
      }
      if (v.getClass().isArray()) {
        int n = Array.getLength(v);
        List<Object> out = new ArrayList<>(Math.min(n, 16));
        add(2);
        for (int i = 0; i < n; i++) {
          add(i == 0 ? 0 : 1);
          try {
            out.add(copy(element(v, i), depth + 1));
          } catch (Refused r) {
            throw r.within("[" + i + "]");
          }
        }
        return out;
      }
      if (v instanceof Enum<?> e) {
        add(jsonLength(e.name()));
        return e.name();
      }
      if (v instanceof UUID || v instanceof TemporalAccessor) {
        String s = v.toString();
        add(jsonLength(s));
        return s;
      }
      throw new Refused(RefusalReason.UNSERIALIZABLE, "a value is a " + v.getClass().getName()
          + "; events may hold only maps, lists, strings, numbers, booleans and null");
    }

    private Map<String, Object> map(Map<?, ?> m, int depth) {
      Map<String, Object> out = new LinkedHashMap<>(Math.min(Math.max(m.size(), 0), 12) * 4 / 3 + 1);
      add(2);
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object k = e.getKey();
        if (!(k instanceof String key)) {
          throw new Refused(RefusalReason.UNSERIALIZABLE, "a map has a "
              + (k == null ? "null" : k.getClass().getName()) + " key; JSON keys are strings");
        }
        add((first ? 0 : 1) + 1);
        first = false;
        try {
          add(jsonLength(key));
          out.put(key, copy(e.getValue(), depth + 1));
        } catch (Refused r) {
          throw r.within(key);
        }
      }
      return out;
    }

    /** Element {@code i} of an array, boxed through the boxes' caches (reflection would allocate each one). */
    private static Object element(Object array, int i) {
      if (array instanceof Object[] a) {
        return a[i];
      } else if (array instanceof byte[] a) {
        return Byte.valueOf(a[i]);
      } else if (array instanceof int[] a) {
        return Integer.valueOf(a[i]);
      } else if (array instanceof long[] a) {
        return Long.valueOf(a[i]);
      } else if (array instanceof short[] a) {
        return Short.valueOf(a[i]);
      } else if (array instanceof boolean[] a) {
        return Boolean.valueOf(a[i]);
      } else if (array instanceof char[] a) {
        return Character.valueOf(a[i]);
      }
      return Array.get(array, i); // float[], double[]
    }

    /** A string value, read without allocating more than its claimed length allows. */
    private String string(Object v) {
      if (v instanceof CharSequence cs && !(v instanceof String) && size + cs.length() > limit) {
        add(cs.length()); // every character is at least one byte of JSON: too large before copying it
      }
      return v.toString();
    }

    /** The length of {@code s} as a JSON string in UTF-8, quotes and escapes included; scans at most the limit. */
    private long jsonLength(String s) {
      int n = s.length();
      if (size + n > limit) {
        add(n); // every character is at least one byte: too large without scanning it
      }
      long bytes = 2;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          bytes += c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f' ? 2
              : c < 0x20 ? 6 : 1;
        } else if (c < 0x800) {
          bytes += 2;
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 4;
          i++;
        } else if (Character.isSurrogate(c)) {
          throw new Refused(RefusalReason.UNSERIALIZABLE,
              "a string has an unpaired UTF-16 surrogate at index " + i);
        } else {
          bytes += 3;
        }
      }
      return bytes;
    }

    private Object number(Number n) {
      if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
        add(digits(n.longValue()));
        return n;
      }
      if (n instanceof Double || n instanceof Float) {
        double d = n.doubleValue();
        checkFinite(d);
        add(n.toString().length());
        return n;
      }
      if (n instanceof BigInteger b) {
        return big(b.bitLength(), n);
      }
      if (n instanceof BigDecimal b) {
        return big(b.unscaledValue().bitLength(), n);
      }
      if (n instanceof AtomicInteger || n instanceof AtomicLong || n instanceof LongAdder
          || n instanceof LongAccumulator) {
        long l = n.longValue(); // take the value now: the host keeps changing it
        add(digits(l));
        return l;
      }
      // DoubleAdder, DoubleAccumulator, a host's own Number: the same rule as Double.
      double d = n.doubleValue();
      checkFinite(d);
      Object value = d == Math.rint(d) && Math.abs(d) < 0x1p53 ? (Object) (long) d : (Object) d;
      add(value.toString().length());
      return value;
    }

    private Object big(int bits, Number n) {
      if (bits > MAX_NUMBER_BITS) {
        throw new Refused(RefusalReason.UNSERIALIZABLE, "a number has more than " + MAX_NUMBER_DIGITS
            + " digits; JSON readers refuse such numbers (e.g. Jackson's default maxNumberLength)");
      }
      add(n.toString().length());
      return n;
    }

    private static void checkFinite(double d) {
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new Refused(RefusalReason.UNSERIALIZABLE, "a number is " + d + "; JSON has no NaN or infinity");
      }
    }

    private static int digits(long v) {
      if (v == Long.MIN_VALUE) {
        return 20;
      }
      int n = v < 0 ? 2 : 1;
      for (long x = Math.abs(v); x >= 10; x /= 10) {
        n++;
      }
      return n;
    }
  }

  /** Carries a refusal out of the recursive walk, collecting the path on the way out; no stack trace. */
  private static final class Refused extends RuntimeException {
    final RefusalReason reason;
    private String path = "";

    Refused(RefusalReason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    /** Prefixes the path with a map key or a {@code [i]} index. */
    Refused within(String segment) {
      if (segment.length() > 64) {
        segment = segment.substring(0, 60) + "...";
      }
      path = path.isEmpty() || path.startsWith("[") ? segment + path : segment + "." + path;
      return this;
    }

    String describe() {
      return path.isEmpty() ? getMessage() : getMessage() + " (at '" + path + "')";
    }
  }
}
