package org.eventrelayer.examples.demo;

/**
 * A small log-linear histogram of durations in nanoseconds (16 sub-buckets per power of two: about 6% precision),
 * with the exact maximum. Not thread-safe: the host loop owns it.
 */
final class Histogram {

  private static final int SUB_BITS = 4;
  private static final int SUB = 1 << SUB_BITS;

  private final long[] counts = new long[SUB + (64 - SUB_BITS) * SUB];
  private long count;
  private long max;

  void record(long nanos) {
    long v = Math.max(0, nanos);
    counts[index(v)]++;
    count++;
    max = Math.max(max, v);
  }

  long count() {
    return count;
  }

  long max() {
    return max;
  }

  /** The value at quantile {@code q} (0..1): the upper bound of its bucket, never above the maximum; 0 if empty. */
  long quantile(double q) {
    if (count == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * count));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(upperBound(i), max);
      }
    }
    return max;
  }

  static int index(long v) {
    if (v < SUB) {
      return (int) v;
    }
    int exp = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
    int sub = (int) ((v >>> (exp - SUB_BITS)) & (SUB - 1));
    return SUB + (exp - SUB_BITS) * SUB + sub;
  }

  static long upperBound(int index) {
    if (index < SUB) {
      return index;
    }
    int exp = (index - SUB) / SUB + SUB_BITS;
    int sub = (index - SUB) % SUB;
    long base = 1L << exp;
    long step = 1L << (exp - SUB_BITS);
    return base + (sub + 1) * step - 1;
  }
}
