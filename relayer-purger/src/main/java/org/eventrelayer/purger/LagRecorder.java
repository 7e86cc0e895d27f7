package org.eventrelayer.purger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Event-to-purge lag: from the event's time ({@code meta.dt}) to the moment its purge was final at every stage.
 * Counted in buckets of 1 ms up to 2 s, 10 ms up to 20 s, 100 ms up to 120 s (beyond: the last bucket), so a
 * percentile is exact to its bucket and reading one scans a few thousand counters. Thread-safe: recorded from the
 * delivery callbacks, read by stats.
 */
final class LagRecorder {

  private static final int FINE = 2_000; // 1 ms buckets: [0, 2 s)
  private static final int MEDIUM = 1_800; // 10 ms buckets: [2 s, 20 s)
  private static final int COARSE = 1_000; // 100 ms buckets: [20 s, 120 s), the last one open-ended
  private static final int BUCKETS = FINE + MEDIUM + COARSE;
  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final LongAdder total = new LongAdder();

  void record(long lagMillis) {
    counts.incrementAndGet(bucket(Math.max(0, lagMillis)));
    total.increment();
  }

  static int bucket(long millis) {
    if (millis < FINE) {
      return (int) millis;
    }
    if (millis < 20_000) {
      return FINE + (int) ((millis - FINE) / 10);
    }
    return (int) Math.min(BUCKETS - 1, FINE + MEDIUM + (millis - 20_000) / 100);
  }

  /** The lower bound of bucket {@code b}, in milliseconds. */
  static long lowerBound(int b) {
    if (b < FINE) {
      return b;
    }
    if (b < FINE + MEDIUM) {
      return FINE + (long) (b - FINE) * 10;
    }
    return 20_000 + (long) (b - FINE - MEDIUM) * 100;
  }

  /** The {@code q} quantile (0..1) of the lags recorded so far (its bucket's lower bound), or {@code null}. */
  Duration quantile(double q) {
    long n = total.sum();
    if (n == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(q * n));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return Duration.ofMillis(lowerBound(i));
      }
    }
    return Duration.ofMillis(lowerBound(BUCKETS - 1));
  }
}
