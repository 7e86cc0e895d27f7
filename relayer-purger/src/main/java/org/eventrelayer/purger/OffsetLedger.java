package org.eventrelayer.purger;

import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one assigned partition that were polled but are not final yet. The committable offset is the
 * lowest such offset (everything before it is final), or the next offset to poll when none is open: a commit never
 * passes a purge that has not reached every cache, so a restart re-purges at most what was open.
 *
 * <p>Owned by the purger's consumer thread; purges finished elsewhere reach it through a queue. A ledger is
 * dropped when its partition is revoked, and completions for a dropped ledger are ignored.
 */
final class OffsetLedger {

  private final TopicPartition partition;
  private final TreeSet<Long> open = new TreeSet<>();
  private long next = -1; // the offset after the last one polled; -1 before the first poll
  private long committed = -1;

  OffsetLedger(TopicPartition partition) {
    this.partition = partition;
  }

  TopicPartition partition() {
    return partition;
  }

  /** A record at {@code offset} was polled and is now open. */
  void opened(long offset) {
    open.add(offset);
    next = Math.max(next, offset + 1);
  }

  /** The record at {@code offset} is final (purged everywhere, dropped or dead-lettered). */
  void closed(long offset) {
    open.remove(offset);
  }

  /** How many records are open. */
  int openCount() {
    return open.size();
  }

  /** The offset to commit (the next record to read after a restart), or -1 if nothing new is final. */
  long committable() {
    if (next < 0) {
      return -1;
    }
    long c = open.isEmpty() ? next : open.first();
    return c > committed ? c : -1;
  }

  /** {@code offset} was committed. */
  void committedAt(long offset) {
    committed = Math.max(committed, offset);
  }
}
