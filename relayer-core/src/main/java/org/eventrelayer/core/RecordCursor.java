package org.eventrelayer.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads the records of one spool segment in order, from a start offset up to an end offset that may grow (the
 * segment being written). Verifies each record's checksum; a record that fails (a torn tail, a flipped byte, a
 * corrupt length) is skipped by scanning forward for the next position where a whole, valid record starts, so
 * corruption never stops the reading of what is intact. Each skipped stretch counts as one corrupt region.
 *
 * <p>Not thread-safe: one cursor per reader. Uses positional reads, so several cursors may share a channel.
 */
final class RecordCursor {

  private static final int WINDOW = 64 * 1024;

  private final FileChannel channel;
  private long pos;
  private long end;
  private ByteBuffer buf = ByteBuffer.allocate(WINDOW);
  private long bufStart;
  private long lastStart = -1;
  private long corruptRegions;
  private long corruptBytes;

  /**
   * Creates a cursor.
   *
   * @param channel the segment, open for reading
   * @param start where the first record starts
   * @param end where reading stops (exclusive); see {@link #extendTo(long)}
   */
  RecordCursor(FileChannel channel, long start, long end) {
    this.channel = channel;
    this.pos = start;
    this.end = end;
    this.buf.limit(0);
  }

  /** Lets the cursor read up to {@code newEnd} (the writer appended more records). */
  void extendTo(long newEnd) {
    end = Math.max(end, newEnd);
  }

  /** The offset just after the last record returned (or skipped). */
  long position() {
    return pos;
  }

  /** Where the last record returned by {@link #next()} started. */
  long lastStart() {
    return lastStart;
  }

  /** How many corrupt stretches were skipped. */
  long corruptRegions() {
    return corruptRegions;
  }

  /** How many bytes the corrupt stretches held. */
  long corruptBytes() {
    return corruptBytes;
  }

  /**
   * The next intact record before the end offset, skipping corrupt stretches.
   *
   * @return the record, or {@code null} if none is left before the end
   */
  SpoolRecord next() throws IOException {
    while (pos < end) {
      SpoolRecord r = readAt(pos);
      if (r != null) {
        return r;
      }
      long from = pos;
      long next = resync(pos + 1);
      corruptRegions++;
      corruptBytes += next - from;
      pos = next;
    }
    return null;
  }

  /** Reads a valid record at {@code at}, advancing past it, or returns {@code null} leaving the position alone. */
  private SpoolRecord readAt(long at) throws IOException {
    if (!ensure(at, SpoolRecord.HEADER_BYTES)) {
      return null;
    }
    int off = (int) (at - bufStart);
    if (buf.getInt(off) != SpoolRecord.MAGIC) {
      return null;
    }
    int len = buf.getInt(off + 4);
    int crc = buf.getInt(off + 8);
    if (len <= 0 || len > SpoolRecord.MAX_PAYLOAD || at + SpoolRecord.HEADER_BYTES + len > end) {
      return null;
    }
    if (!ensure(at, SpoolRecord.HEADER_BYTES + len)) {
      return null;
    }
    off = (int) (at - bufStart);
    ByteBuffer payload = buf.duplicate();
    payload.limit(off + SpoolRecord.HEADER_BYTES + len).position(off + SpoolRecord.HEADER_BYTES);
    if (SpoolRecord.crc(len, payload) != crc) {
      return null;
    }
    SpoolRecord r = SpoolRecord.decode(payload);
    if (r != null) {
      lastStart = at;
      pos = at + SpoolRecord.HEADER_BYTES + len;
    }
    return r;
  }

  /** The first offset at or after {@code from} where a valid record starts, or the end offset. */
  private long resync(long from) throws IOException {
    for (long p = from; p + SpoolRecord.HEADER_BYTES <= end; p++) {
      if (!ensure(p, 4)) {
        break;
      }
      if (buf.getInt((int) (p - bufStart)) == SpoolRecord.MAGIC) {
        long saved = pos;
        if (readAt(p) != null) {
          pos = saved; // found; let next() return it
          return p;
        }
      }
    }
    return end;
  }

  /** Makes bytes {@code [at, at + n)} available in the window; false if they are past the end of the file. */
  private boolean ensure(long at, int n) throws IOException {
    if (at >= bufStart && at + n <= bufStart + buf.limit()) {
      return true;
    }
    if (n > buf.capacity()) {
      buf = ByteBuffer.allocate(Math.max(n, WINDOW));
    }
    buf.clear();
    long want = Math.min(buf.capacity(), Math.max(n, end - at));
    buf.limit((int) Math.max(n, Math.min(want, buf.capacity())));
    bufStart = at;
    while (buf.hasRemaining()) {
      int read = channel.read(buf, at + buf.position());
      if (read < 0) {
        break;
      }
    }
    buf.flip();
    return buf.limit() >= n;
  }
}
