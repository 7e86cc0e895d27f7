package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opening a spool: reads every segment an earlier run left, counts what is to be replayed and what was lost and
 * why, marks lost numbers final (so the watermark can pass them), and retires segments that hold nothing to replay.
 *
 * <p>Lost records are found through the sequence numbers, which have no holes: between the checkpoint's watermark
 * and the highest number known (the last record or end-of-segment record found, or the checkpoint's {@code next}),
 * a number that no intact record carries and that is not final is lost. The bytes where it should have been give
 * the reason: damaged bytes, a stretch that was never published, or nothing at all (a deleted or truncated file).
 */
final class Recovery {

  private enum Gap { MISSING, UNPUBLISHED, DAMAGED }

  private final SegmentStore store;
  private final FinalRanges finals;
  private final List<Segment> pending = new ArrayList<>();
  private final List<String> movedAside = new ArrayList<>();
  private long expect;
  private Gap cause = Gap.MISSING;
  private long replayable;
  private long lostDamaged;
  private long lostMissing;
  private long unpublished;
  private long damagedStretches;
  private long damagedBytes;
  private int damagedHeaders;
  private int segments;

  private Recovery(SegmentStore store, FinalRanges finals) {
    this.store = store;
    this.finals = finals;
    this.expect = finals.watermark();
  }

  /**
   * Recovers the segments of {@code store}.
   *
   * @param finals what the checkpoint says is final; lost numbers are added
   * @param checkpointNext the checkpoint's {@code next}: numbers below it were appended
   */
  static Recovery run(SegmentStore store, FinalRanges finals, long checkpointNext) throws IOException {
    Recovery r = new Recovery(store, finals);
    List<Segment> opened = new ArrayList<>();
    try {
      for (Path p : store.list()) {
        opened.add(store.openExisting(p));
      }
      for (Segment s : opened) {
        r.scan(s);
      }
      r.gap(checkpointNext);
      for (Segment s : opened) {
        if (s.lastSeq < 0 || finals.allFinal(s.baseSeq, s.lastSeq + 1)) {
          Path moved = store.retire(s);
          if (moved != null) {
            r.movedAside.add(moved.getFileName().toString());
          }
        } else {
          r.pending.add(s);
        }
      }
      return r;
    } catch (IOException | RuntimeException e) {
      for (Segment s : opened) {
        store.release(s);
      }
      throw e;
    }
  }

  private void scan(Segment s) {
    segments++;
    if (!s.headerIntact()) {
      damagedHeaders++;
      s.damaged = true;
    }
    cause = Gap.MISSING; // a gap right at the start of a file: the bytes are in no file we have
    SegmentScanner scanner = new SegmentScanner(s.view(), Segment.HEADER, s.map.capacity());
    for (SegmentScanner.Item item = scanner.advance(); item != SegmentScanner.Item.DONE; item = scanner.advance()) {
      switch (item) {
        case RECORD -> {
          long seq = scanner.seq();
          if (seq < expect) {
            continue; // a number seen already (a file copied in by hand): never replay out of order
          }
          gap(seq);
          expect = seq + 1;
          if (s.baseSeq < 0) {
            s.baseSeq = seq;
          }
          s.lastSeq = seq;
          if (!finals.isFinal(seq)) {
            replayable++;
          }
        }
        case END -> {
          gap(scanner.seq());
          expect = Math.max(expect, scanner.seq());
        }
        case SKIPPED -> {
          if (scanner.skippedPublished() && !scanner.skippedAllZero()) {
            damagedStretches++;
            damagedBytes += scanner.skippedBytes();
            s.damaged = true;
            cause = Gap.DAMAGED;
          } else if (cause != Gap.DAMAGED) {
            cause = Gap.UNPUBLISHED;
          }
        }
        default -> throw new IllegalStateException(item.toString());
      }
    }
  }

  /** Counts the numbers from {@link #expect} to {@code upTo} as lost for the current cause. */
  private void gap(long upTo) {
    if (upTo > expect) {
      long n = finals.countNotFinal(expect, upTo);
      switch (cause) {
        case DAMAGED -> lostDamaged += n;
        case UNPUBLISHED -> unpublished += n;
        default -> lostMissing += n;
      }
      finals.add(expect, upTo);
      expect = upTo;
    }
    cause = Gap.MISSING;
  }

  /** Segments with records to replay, oldest first. */
  List<Segment> pending() {
    return pending;
  }

  /** The first sequence number the new run may use. */
  long nextSeq() {
    return Math.max(expect, finals.watermark());
  }

  RecoveryReport report() {
    return new RecoveryReport(segments, replayable, lostDamaged, lostMissing, unpublished, damagedStretches,
        damagedBytes, damagedHeaders, List.copyOf(movedAside));
  }
}
