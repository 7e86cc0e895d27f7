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
 * One segment file, mapped shared and read-only for its whole length ({@link #map}, what readers, recovery and the
 * force use); a segment of this run is also mapped writable window by window ({@link WriteWindows}), through which
 * appenders write and which the spool's thread unmaps once written. Appenders reserve space with one atomic add on
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
  static final int PAGE = 4096;
  /**
   * Bytes {@link #fill} writes per call: a fill asked to stop ends its step first, and callers short of spares wait
   * for that, so a step is short (a quarter of a millisecond of 8 callers flat out).
   */
  static final int FILL_STEP = 256 << 10;
  /**
   * Pages {@link #touch} and {@link #touchLead} touch per call at most: one short step of the spool's thread, which
   * must get back to preparing spares (the loop turns about every millisecond during a flood, and 256 pages are a
   * millisecond of 8 callers flat out).
   */
  static final int TOUCH_STEP_PAGES = 256;
  /** How far behind the appenders {@link #releaseWritten} looks. */
  private static final int RELEASE_LAG = 64 << 10;

  final long number;
  final Path path;
  final FileChannel channel;
  final FileLock lock;
  /** The whole file, read-only: what is read and forced. */
  final MappedByteBuffer map;
  /** Where appenders write; {@code null} for a segment an earlier run left (never appended to again). */
  private final WriteWindows windows;
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
  /** How far {@link #fill} got (the first page holds the header); the spool's thread, or the opening one. */
  private int filledTo = PAGE;
  /** How far {@link #touch} got; the spool's thread only. */
  private int touchedTo = PAGE;
  /** How far {@link #touchLead} got; the spool's thread only. */
  private int leadTouchedTo;
  /** Every record below this offset is published, as far as the spool's thread looked; the spool's thread only. */
  private int publishedTo = HEADER;
  /** Set by {@link #close}, which unmapped {@link #map}; written under {@code this}, which a force holds. */
  private volatile boolean unmapped;
  /** The highest sequence number of a record in it (recovery) or reserved in it (set when sealed). */
  volatile long lastSeq = -1;

  Segment(long number, Path path, FileChannel channel, FileLock lock, MappedByteBuffer map, WriteWindows windows) {
    this.number = number;
    this.path = path;
    this.channel = channel;
    this.lock = lock;
    this.map = map;
    this.windows = windows;
    map.order(RecordFormat.ORDER);
    this.limit = map.capacity() - RecordFormat.END_RECORD;
  }

  /** The file name of segment {@code number}. */
  static String fileName(long number) {
    return String.format("%020d%s", number, SUFFIX);
  }

  /** Writes the header of a new (zero-filled) segment. */
  void writeHeader() {
    windows.putMagic(MAGIC);
    windows.putInt(8, VERSION);
    windows.putInt(12, HEADER);
    windows.putLong(16, number);
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
    windows.putLong(24, base);
  }

  /** Whether this run appends (or appended) to it: false for a segment an earlier run left. */
  boolean appendable() {
    return windows != null;
  }

  /** Writes and publishes a record in space reserved by this thread; see {@link RecordFormat#write}. */
  void write(int at, int type, long seq, byte[] payload, int off, int len, RecordFormat.Scratch s) {
    windows.write(at, type, seq, payload, off, len, s);
  }

  /**
   * {@code offset} of this segment as a position through the spool: segments of one run have the same size and
   * increasing numbers, so positions of this run's segments compare and subtract.
   */
  long position(long offset) {
    return number * map.capacity() + offset;
  }

  /** Offset of the first byte not reserved yet (may exceed the capacity once the segment is full). */
  long reservedEnd() {
    return Math.min((int) state.get() & 0xFFFFFFFFL, map.capacity());
  }

  /**
   * Writes zeros with {@code pwrite} over the next {@link #FILL_STEP} bytes of a segment that no appender can reach
   * yet (a spare not offered, or the first segment before the spool is returned): a {@code pwrite} would overwrite
   * a record. The pages are then in the page cache, dirty and with their blocks reserved, before anything maps
   * them. Without this, the first fault on a hole of the sparse file makes the kernel read ahead through the holes
   * ({@code read_ahead_kb}, often megabytes), zero-filling clean pages whose every first write then faults again:
   * the spool's thread spent 40 % of its time there, and whichever appender got to a page before {@link #touch}
   * paid it. Filling costs 0.3 to 1.4 µs a page (docs/spool.md, "Why this design").
   *
   * @return true while some of the segment is left to fill
   * @throws IOException if the file system refuses the write (the segment is still usable, unfilled)
   */
  boolean fill() throws IOException {
    int end = map.capacity();
    if (filledTo < end) {
      ByteBuffer zeros = Zeros.BUFFER.duplicate();
      zeros.limit(Math.min(zeros.capacity(), end - filledTo));
      while (zeros.hasRemaining()) {
        filledTo += channel.write(zeros, filledTo);
      }
    }
    return filledTo < end;
  }

  /** The zeros {@link #fill} writes: 256 KiB of direct memory, made on first use, once per JVM. */
  private static final class Zeros {
    static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(FILL_STEP).asReadOnlyBuffer();
  }

  /**
   * Allocates the next pages of the mapping by writing to them, so that callers do not take those page faults.
   * Safe while callers append: each page is touched with an atomic compare-and-set of 0 by 0 on its first 8 bytes,
   * which never changes a byte a caller wrote.
   *
   * @return false once every page is touched
   */
  boolean touch(int pages) {
    touchedTo = touchPages(touchedTo, map.capacity(), pages);
    return touchedTo < map.capacity();
  }

  /**
   * Touches again, just before the appenders get there, the pages from the one after theirs up to {@code to} not
   * touched this way yet, at most {@code maxPages} of them, as {@link #touch} does (a compare-and-set of 0 by 0):
   * see {@link LeadToucher} for why a page touched long before can cost an appender again. Spool's thread.
   *
   * @return the pages touched
   */
  int touchLead(int to, int maxPages) {
    int from = Math.max(leadTouchedTo, ((int) reservedEnd() + PAGE - 1) & -PAGE);
    int before = Math.max(from, windows.releasedTo());
    leadTouchedTo = touchPages(from, Math.min(to, map.capacity()), maxPages);
    return (leadTouchedTo - before) / PAGE;
  }

  /**
   * Touches up to {@code maxPages} pages from {@code from} (a page boundary) towards {@code end}, skipping the
   * windows released (appenders are past them); where it stopped.
   */
  private int touchPages(int from, int end, int maxPages) {
    int at = Math.max(from, windows.releasedTo());
    for (int i = 0; i < maxPages && at < end; i++, at += PAGE) {
      windows.touch(at);
    }
    return at;
  }

  /** How far {@link #touchLead} got (tests). */
  int leadTouchedTo() {
    return leadTouchedTo;
  }

  /**
   * Unmaps the windows appenders are done with: those below the first record not published yet (or all of them
   * past the end-of-segment record). Spool's thread; cheap when nothing changed (one read of a word).
   */
  void releaseWritten() {
    if (released()) {
      return; // every window is unmapped already (a spare's at close, or all of them after a fault)
    }
    int at = publishedTo;
    int end = map.capacity();
    // While appenders write here, look only at records well behind them: reading the line an appender is writing
    // would pull it to this thread's core and back for every record.
    int stop = sealedAt >= 0 ? end : (int) Math.max(0, reservedEnd() - RELEASE_LAG) & -WriteWindows.WINDOW_BYTES;
    while (at < stop && at + RecordFormat.HEADER <= end) {
      long word = windows.publishedWord(at);
      int length = (int) word;
      if (word == 0 || length < RecordFormat.HEADER || length > end - at) {
        break; // not published yet (or, if ever damaged, left mapped: the collector unmaps it)
      }
      if (windows.getInt(at + 12) == RecordFormat.TYPE_END) {
        at = end; // nothing is written after it
        break;
      }
      at += RecordFormat.align(length);
    }
    publishedTo = at;
    windows.releaseBelow(at);
  }

  /**
   * Unmaps every write window of a segment never appended to (a spare), once the spool's thread, which touches
   * spares, no longer can: that thread itself, or the closing one after it stopped.
   */
  void releaseWindows() {
    if (windows != null) {
      windows.releaseBelow(map.capacity());
    }
  }

  /** Where appenders write (tests). */
  WriteWindows windows() {
    return windows;
  }

  /** Whether every window is released (the spool's thread looks no more). */
  boolean released() {
    return windows == null || windows.releasedTo() >= map.capacity();
  }

  /**
   * How far the spool's thread may force ahead without interrupting appenders: the windows released (all of a
   * segment an earlier run left; all of a sealed one whose failed append keeps its windows mapped).
   */
  int forceableTo() {
    return windows == null || (holes && sealedAt >= 0) ? map.capacity() : windows.releasedTo();
  }

  /**
   * Forces {@code [from, to)} of the segment to the device (through the read-only mapping: msync of the range); of a
   * closed segment, nothing (its records are final, or kept by a file no longer written).
   */
  synchronized void force(int from, int to) {
    if (to > from && !unmapped) {
      map.force(from, to - from);
    }
  }

  /**
   * Closes the file and unmaps the read-only mapping, so that a deleted segment's blocks and pages are freed now and
   * not whenever the collector gets to the mapping: left to it, deleted segments piled up on the disk past
   * {@code maxBytes} (docs/spool.md). The caller guarantees that no view of the segment is read any more (the reader
   * is past it, or the consumer has stopped); a force in progress finishes first (both hold this segment's monitor).
   * The write windows are not this method's: the spool's thread releases them once written (at close, the closing
   * thread once that one has stopped), and a spare's before it is deleted; any left, the collector unmaps.
   */
  void close() {
    try {
      channel.close(); // releases the lock
    } catch (IOException ignored) {
      // nothing left to do with it
    }
    synchronized (this) {
      if (unmapped) {
        return;
      }
      unmapped = true;
    }
    Unmapper.unmap(map);
  }

  /**
   * A read-only view for a reader thread: absolute reads only, shared content. Not under this segment's monitor,
   * so the reader never waits behind a force: that no view is read once the segment is closed is the callers' part.
   */
  ByteBuffer view() {
    if (unmapped) {
      throw new IllegalStateException("segment " + this + " is closed"); // reading it would crash the JVM
    }
    return map.duplicate().order(RecordFormat.ORDER);
  }

  @Override
  public String toString() {
    return path.getFileName().toString();
  }
}
