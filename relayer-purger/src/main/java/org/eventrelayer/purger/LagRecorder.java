package org.eventrelayer.purger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Event-to-purge lag: from the event's time ({@code meta.dt}) to the moment its purge was final at every stage.
 * Counted in 1 ms buckets up to 60 s (beyond: the last bucket), so percentiles are exact to the millisecond.
 * Thread-safe: recorded from the delivery callbacks, read by stats.
 */
final class LagRecorder {

  private static final int BUCKETS = 60_001;
  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final LongAdder total = new LongAdder();

  void record(long lagMillis) {
    int b = (int) Math.max(0, Math.min(BUCKETS - 1, lagMillis));
    counts.incrementAndGet(b);
    total.increment();
  }

  /** The {@code q} quantile (0..1) of the lags recorded so far, or {@code null} if none was. */
  Duration quantile(double q) {
    long n = total.sum();
    if (n == 0) {
      return null;
    }
    long rank = (long) Math.ceil(q * n);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return Duration.ofMillis(i);
      }
    }
    return Duration.ofMillis(BUCKETS - 1);
  }

  long count() {
    return total.sum();
  }
}
