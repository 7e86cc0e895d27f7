package org.eventrelayer.core.spool;

import java.nio.ByteBuffer;

/**
 * Walks the records of a segment that nobody appends to any more (a segment left by an earlier run), in offset
 * order, checking each one. What is not a whole, intact record is returned as a skipped stretch, found by looking
 * for the next intact record at every multiple of 8; so damage costs only the records it touched.
 *
 * <p>A stretch is <em>unpublished</em> when its first word is zero: an append that had reserved the space but had
 * not published its record when the process died (its caller was never told it was accepted), or a zero-filled
 * tail. Otherwise it is <em>damaged</em>: bytes that were published and no longer check.
 *
 * <p>Not thread-safe; one scanner per reader.
 */
final class SegmentScanner {

  /** What {@link #advance()} found. */
  enum Item { RECORD, END, SKIPPED, DONE }

  private final ByteBuffer map;
  private final int end;
  private final RecordFormat.Scratch scratch = new RecordFormat.Scratch();
  private int pos;

  // The last item.
  private long seq;
  private int at;
  private int length;
  private int skipFrom;
  private int skipTo;
  private boolean skipPublished;
  private boolean skipAllZero;

  /**
   * @param map the segment's bytes (absolute reads only)
   * @param start where the first record starts
   * @param end how many bytes of the segment there are
   */
  SegmentScanner(ByteBuffer map, int start, int end) {
    this.map = map;
    this.pos = start;
    this.end = end;
  }

  /** Moves to the next record, end-of-segment record or skipped stretch. */
  Item advance() {
    if (pos + RecordFormat.HEADER > end) {
      if (pos < end) {
        return skip(pos, end);
      }
      return Item.DONE;
    }
    int len = RecordFormat.check(map, pos, end, scratch);
    if (len >= 0) {
      at = pos;
      length = len;
      seq = RecordFormat.seq(map, pos);
      pos += RecordFormat.align(len);
      return RecordFormat.type(map, at) == RecordFormat.TYPE_END ? Item.END : Item.RECORD;
    }
    int p = pos + 8;
    while (p + RecordFormat.HEADER <= end && RecordFormat.check(map, p, end, scratch) < 0) {
      p += 8;
    }
    return skip(pos, p + RecordFormat.HEADER > end ? end : p);
  }

  private Item skip(int from, int to) {
    skipFrom = from;
    skipTo = to;
    skipPublished = to - from >= 8 && RecordFormat.publishedWord(map, from) != 0;
    boolean zero = true;
    int i = from;
    for (; zero && i + 8 <= to; i += 8) {
      zero = map.getLong(i) == 0;
    }
    for (; zero && i < to; i++) {
      zero = map.get(i) == 0;
    }
    skipAllZero = zero;
    pos = to;
    return Item.SKIPPED;
  }

  /** The sequence number of the record (or end-of-segment record) found last. */
  long seq() {
    return seq;
  }

  /** Where the record found last starts. */
  int at() {
    return at;
  }

  /** The unpadded length of the record found last. */
  int length() {
    return length;
  }

  /** Bytes in the stretch skipped last. */
  int skippedBytes() {
    return skipTo - skipFrom;
  }

  /** Where the stretch skipped last starts. */
  int skippedFrom() {
    return skipFrom;
  }

  /** Whether the stretch skipped last held nothing but zeros (an untouched or never-written area). */
  boolean skippedAllZero() {
    return skipAllZero;
  }

  /** Whether the stretch skipped last starts with a published (non-zero) first word: damage, not a torn append. */
  boolean skippedPublished() {
    return skipPublished;
  }
}
