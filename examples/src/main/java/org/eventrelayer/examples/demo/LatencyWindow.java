package org.eventrelayer.examples.demo;

import java.util.Arrays;

/**
 * The caller latencies of the last second (or whatever window is asked for), kept as raw samples in a ring, for
 * the live progress line. Keeps at most the most recent 131,072 samples. Not thread-safe: the host loop owns it.
 */
final class LatencyWindow {

  private static final int CAPACITY = 1 << 17;

  private final long[] at = new long[CAPACITY];
  private final long[] nanos = new long[CAPACITY];
  private final long[] scratch = new long[CAPACITY];
  private long written;

  void record(long when, long latency) {
    int i = (int) (written & (CAPACITY - 1));
    at[i] = when;
    nanos[i] = latency;
    written++;
  }

  /**
   * The quantiles {@code qs} of the samples recorded at or after {@code since}, or {@code null} if there is none.
   */
  long[] quantiles(long since, double... qs) {
    int n = 0;
    long oldest = Math.max(0, written - CAPACITY);
    for (long w = written - 1; w >= oldest; w--) {
      int i = (int) (w & (CAPACITY - 1));
      if (at[i] - since < 0) {
        break;
      }
      scratch[n++] = nanos[i];
    }
    if (n == 0) {
      return null;
    }
    Arrays.sort(scratch, 0, n);
    long[] out = new long[qs.length];
    for (int k = 0; k < qs.length; k++) {
      int rank = (int) Math.max(1, Math.ceil(qs[k] * n));
      out[k] = scratch[rank - 1];
    }
    return out;
  }
}
