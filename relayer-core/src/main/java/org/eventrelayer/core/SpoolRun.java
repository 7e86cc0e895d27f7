package org.eventrelayer.core;

import java.util.ArrayDeque;
import org.eventrelayer.spi.DeliveryTracker;

/**
 * Consecutive records of one segment that live only on disk, {@code [start, end)}; the spool writer extends the
 * last run while the worker reads it. Fields other than the cursor are guarded by the run's monitor; the cursor
 * belongs to the worker.
 */
final class SpoolRun implements QueueItem {
  final SpoolLog.Segment segment;
  final long start;
  final boolean recovered; // left by a previous run (its corrupt stretches were counted when opening)
  final long firstAcceptedNanos;
  long end;
  long count;
  long taken;
  boolean sealed;
  final ArrayDeque<Tag> tags = new ArrayDeque<>();
  RecordCursor cursor; // worker-confined

  SpoolRun(SpoolLog.Segment segment, long start, long end, boolean recovered, long firstAcceptedNanos) {
    this.segment = segment;
    this.start = start;
    this.end = end;
    this.recovered = recovered;
    this.firstAcceptedNanos = firstAcceptedNanos;
  }

  @Override
  public long acceptedNanos() {
    return firstAcceptedNanos;
  }

  /** Who waits on {@code count} consecutive records of a run: their tracker ({@code null}: untracked) and flush. */
  static final class Tag {
    final DeliveryTracker tracker;
    final Generation generation;
    long count;

    Tag(DeliveryTracker tracker, Generation generation, long count) {
      this.tracker = tracker;
      this.generation = generation;
      this.count = count;
    }
  }
}
