package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One segment file, mapped shared for its whole length. Appenders reserve space with one atomic add on
 * {@link #state}, which packs the number of reservations (high 32 bits) and the next free offset (low 32 bits), so
 * one add gives a caller both where its record goes and its index in the segment (its sequence number is
 * {@link #baseSeq} plus that index).
 *
 * <p>Header (64 bytes, little-endian, advisory only: records are found and checked without it):
 * {@code "ERSPOOL2"}, int version 2, int header size 64, long segment number, long base sequence number
 * (written when the segment becomes the one appended to), then zeros.
 */
final class Segment {

  static final int HEADER = 64;
  static final byte[] MAGIC = "ERSPOOL2".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 2;
  static final String SUFFIX = ".seg";
  private static final int PAGE = 4096;

  final long number;
  final Path path;
  final FileChannel channel;
  final FileLock lock;
  final MappedByteBuffer map;
  /** (reservations &lt;&lt; 32) | next offset. */
  final AtomicLong state = new AtomicLong(HEADER);
  /** Offset above which a data record does not fit: room for the end-of-segment record is always kept. */
  final int limit;

  volatile long baseSeq = -1;
  /** The index the end-of-segment record took (records 0..sealedAt-1 are in this segment), or -1 while open. */
  volatile int sealedAt = -1;
  /** The segment appended to after this one, once there is one. */
  volatile Segment next;
  /** An append failed after reserving its space (a fault in the mapping): a reader skips unpublished space. */
  volatile boolean holes;
  /** Set by recovery: holds damaged bytes, so it is moved aside instead of deleted once final. */
  volatile boolean damaged;
  /** How far {@link #touch} got; the spool's thread only. */
  private int touchedTo = PAGE;
  /** The highest sequence number of a record in it (recovery) or reserved in it (set when sealed). */
  volatile long lastSeq = -1;

  Segment(long number, Path path, FileChannel channel, FileLock lock, MappedByteBuffer map) {
    this.number = number;
    this.path = path;
    this.channel = channel;
    this.lock = lock;
    this.map = map;
    map.order(RecordFormat.ORDER);
    this.limit = map.capacity() - RecordFormat.END_RECORD;
  }

  /** The file name of segment {@code number}. */
  static String fileName(long number) {
    return String.format("%020d%s", number, SUFFIX);
  }

  /** Writes the header of a new (zero-filled) segment. */
  void writeHeader() {
    map.put(0, MAGIC);
    map.putInt(8, VERSION);
    map.putInt(12, HEADER);
    map.putLong(16, number);
  }

  /** Whether the header reads as written by {@link #writeHeader} for this segment. */
  boolean headerIntact() {
    if (map.capacity() < HEADER) {
      return false;
    }
    byte[] m = new byte[MAGIC.length];
    map.get(0, m);
    return java.util.Arrays.equals(m, MAGIC) && map.getInt(8) == VERSION && map.getInt(12) == HEADER
        && map.getLong(16) == number;
  }

  /** Makes this the segment appended to, its first record taking {@code base}. */
  void activate(long base) {
    baseSeq = base;
    map.putLong(24, base);
  }

  /** Offset of the first byte not reserved yet (may exceed the capacity once the segment is full). */
  long reservedEnd() {
    return Math.min((int) state.get() & 0xFFFFFFFFL, map.capacity());
  }

  /**
   * Allocates the next pages of the mapping by writing to them, so that callers do not take those page faults.
   * Safe while callers append: each page is touched with an atomic compare-and-set of 0 by 0 on its first 8 bytes,
   * which never changes a byte a caller wrote.
   *
   * @return false once every page is touched
   */
  boolean touch(int pages) {
    int end = map.capacity();
    int at = touchedTo;
    for (int i = 0; i < pages && at < end; i++, at += PAGE) {
      RecordFormat.WORD.compareAndSet(map, at, 0L, 0L);
    }
    touchedTo = at;
    return at < end;
  }

  /** Forces {@code [from, to)} of the mapping to the device. */
  void force(int from, int to) {
    if (to > from) {
      map.force(from, to - from);
    }
  }

  /** Closes the file (the mapping stays valid until collected; nothing reads it after this). */
  void close() {
    try {
      channel.close(); // releases the lock
    } catch (IOException ignored) {
      // nothing left to do with it
    }
  }

  /** A read-only view for a reader thread: absolute reads only, shared content. */
  ByteBuffer view() {
    return map.duplicate().order(RecordFormat.ORDER);
  }

  @Override
  public String toString() {
    return path.getFileName().toString();
  }
}
