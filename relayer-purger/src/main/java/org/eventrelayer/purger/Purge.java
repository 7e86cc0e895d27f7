package org.eventrelayer.purger;

import java.util.ArrayList;
import java.util.List;

/**
 * One URL on its way through the stages, with the records it stands for (several when equal purges were
 * coalesced). Filled on the consumer thread while it waits in {@link PendingPurges}; read-only once dispatched.
 */
final class Purge {

  /** One polled record: its partition's ledger and its offset. */
  record RecordRef(OffsetLedger ledger, long offset) {}

  final String url;
  final long eventMillis; // the oldest coalesced event's time: lag is measured from the first change
  final String requestId;
  final long firstSeenNanos;
  private final List<RecordRef> records = new ArrayList<>(1);

  Purge(String url, long eventMillis, String requestId, long firstSeenNanos) {
    this.url = url;
    this.eventMillis = eventMillis;
    this.requestId = requestId;
    this.firstSeenNanos = firstSeenNanos;
  }

  void add(RecordRef ref) {
    records.add(ref);
  }

  List<RecordRef> records() {
    return records;
  }
}
