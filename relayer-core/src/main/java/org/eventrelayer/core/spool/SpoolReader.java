package org.eventrelayer.core.spool;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Reads a {@link MappedSpool}'s records in order for its one consumer thread: first those an earlier run left that
 * are not final (checked again as they are read), then the records appended since the spool opened, each as soon as
 * its appender has published it. Not thread-safe: it belongs to the consumer.
 */
public final class SpoolReader {

  private final Deque<Segment> recovered;
  private final FinalRanges finals;
  private SegmentScanner scanner;
  private long lastReplayed = Long.MIN_VALUE;

  // The live segments.
  private Segment segment;
  private ByteBuffer view;
  private int pos = Segment.HEADER;
  private long nextSeq;
  private final RecordFormat.Scratch scratch = new RecordFormat.Scratch();

  SpoolReader(List<Segment> recovered, Segment first, FinalRanges finals) {
    this.recovered = new ArrayDeque<>(recovered);
    this.finals = finals;
    this.segment = first;
    this.view = first.view();
    this.nextSeq = first.baseSeq;
  }

  /**
   * The next record, or {@code null} if there is none yet (poll again later: records appear as they are
   * published). The payload is a copy; the reader holds nothing between calls.
   */
  public SpooledRecord next() {
    while (!recovered.isEmpty()) {
      SpooledRecord r = nextRecovered();
      if (r != null) {
        return r;
      }
    }
    while (true) {
      long word = RecordFormat.publishedWord(view, pos);
      if (word == 0) {
        if (!segment.holes || !(skipHole() || skipToNext())) {
          return null; // not published yet
        }
        continue;
      }
      int length = (int) word;
      if (view.getInt(pos + 12) == RecordFormat.TYPE_END) {
        Segment next = segment.next;
        if (next == null) {
          return null; // the spool is full or the next segment not ready; appends resume there
        }
        moveTo(next);
        continue;
      }
      long seq = view.getLong(pos + 16);
      byte[] payload = RecordFormat.payload(view, pos, length);
      pos += RecordFormat.align(length);
      nextSeq = seq + 1;
      return new SpooledRecord(seq, payload, false);
    }
  }

  /**
   * After a failed append left unpublished space in the segment: moves to the next intact record reserved after
   * it, if there is one. (A record still being copied may be skipped too; it is in the file and the next start
   * replays it.)
   */
  private boolean skipHole() {
    int end = (int) segment.reservedEnd();
    for (int p = pos + 8; p + RecordFormat.HEADER <= end; p += 8) {
      if (RecordFormat.check(view, p, end, scratch) >= 0) {
        pos = p;
        return true;
      }
    }
    return false;
  }

  /**
   * After a failed append, when no intact record follows in the segment: if it is sealed and the next segment is
   * there, moves to it. The end record itself could not be written (a fault in the mapping); a record still being
   * copied is left for the next start, as in {@link #skipHole}.
   */
  private boolean skipToNext() {
    Segment next = segment.next;
    if (segment.sealedAt < 0 || next == null) {
      return false;
    }
    moveTo(next);
    return true;
  }

  private void moveTo(Segment next) {
    segment = next;
    view = next.view();
    pos = Segment.HEADER;
  }

  private SpooledRecord nextRecovered() {
    Segment s = recovered.peekFirst();
    if (scanner == null) {
      scanner = new SegmentScanner(s.view(), Segment.HEADER, s.map.capacity());
    }
    for (SegmentScanner.Item item = scanner.advance(); item != SegmentScanner.Item.DONE; item = scanner.advance()) {
      if (item != SegmentScanner.Item.RECORD) {
        continue;
      }
      long seq = scanner.seq();
      if (seq > lastReplayed && !finals.isFinal(seq)) {
        lastReplayed = seq;
        return new SpooledRecord(seq, RecordFormat.payload(s.map, scanner.at(), scanner.length()), true);
      }
    }
    recovered.pollFirst();
    scanner = null;
    return null;
  }

  /** Whether the reader has read everything of {@code s} (a segment appended to no more). */
  boolean isPast(Segment s) {
    if (recovered.contains(s)) {
      return false;
    }
    return s.number < segment.number;
  }

  /** The number after the last new record read (0 before any): every number below it was appended. */
  public long nextSeq() {
    return nextSeq;
  }
}
