package org.eventrelayer.purger;

import java.util.concurrent.atomic.LongAdder;

/** The purger's counters, shared by the consumer thread and the delivery callbacks (all thread-safe). */
final class PurgeCounters {
  final LongAdder polled = new LongAdder();
  final LongAdder tooOld = new LongAdder();
  final LongAdder deadLettered = new LongAdder();
  final LongAdder coalesced = new LongAdder();
  final LongAdder purges = new LongAdder();
  final LongAdder purged = new LongAdder();
  final LongAdder failedPurges = new LongAdder();
  final LagRecorder lag = new LagRecorder();
  volatile long backlog;
  volatile long consumerLag = -1;
  volatile boolean paused;

  PurgerStats snapshot() {
    return new PurgerStats(polled.sum(), tooOld.sum(), deadLettered.sum(), coalesced.sum(), purges.sum(),
        purged.sum(), failedPurges.sum(), backlog, consumerLag, paused, lag.quantile(0.5), lag.quantile(0.99));
  }
}
