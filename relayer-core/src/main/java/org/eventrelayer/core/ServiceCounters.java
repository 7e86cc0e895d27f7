package org.eventrelayer.core;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eventrelayer.ServiceStats;

/**
 * The counters of one service, made for sharing: callers and the worker update them, any thread
 * reads them. Each counter's meaning is the {@link ServiceStats} component of the same name.
 */
final class ServiceCounters {

  final LongAdder accepted = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder deadLettered = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder batches = new LongAdder();
  final LongAdder coalesced = new LongAdder();
  /** Waiting events: the spool hand-off, the queue, the batch being assembled and the retry schedule. */
  final AtomicInteger queued = new AtomicInteger();
  /** Estimated bytes of the {@link #queued} events. */
  final AtomicLong queuedBytes = new AtomicLong();
  /** Events durable in the spool and not in memory. */
  final AtomicLong spooled = new AtomicLong();
  private volatile int inFlight; // written by the worker only
  private volatile String lastError;
  private volatile Instant lastErrorAt;

  int inFlight() {
    return inFlight;
  }

  /** Worker only. */
  void inFlight(int n) {
    inFlight = n;
  }

  String lastError() {
    return lastError;
  }

  void recordError(String reason) {
    lastError = reason;
    lastErrorAt = Instant.now();
  }

  ServiceStats snapshot(String name, String type, String breakerState, Duration oldestQueuedAge) {
    int flying = inFlight;
    return new ServiceStats(name, type, Math.max(0, queued.get()), Math.max(0, queuedBytes.get()), flying,
        Math.max(0, spooled.get()), accepted.sum(), refused.sum(), delivered.sum(), deadLettered.sum(),
        dropped.sum(), coalesced.sum(), retries.sum(), batches.sum(), breakerState, lastError, lastErrorAt,
        oldestQueuedAge);
  }
}
