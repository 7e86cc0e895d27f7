package org.eventrelayer.outbox;

import java.util.concurrent.atomic.LongAdder;

/** The outbox's monotonic counters, written by the host threads and the relay, read by stats. Thread-safe. */
final class Counters {
  final LongAdder written = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder claimed = new LongAdder();
  final LongAdder relayed = new LongAdder();
  final LongAdder coalesced = new LongAdder();
  final LongAdder deadLettered = new LongAdder();
  final LongAdder released = new LongAdder();
  final LongAdder relayErrors = new LongAdder();
}
