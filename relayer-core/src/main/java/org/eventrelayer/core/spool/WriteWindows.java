package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The writable mappings of a segment, one per window of up to {@link #WINDOW_BYTES}: appenders write through them,
 * the spool's thread reads the records' first words through them to tell when a window is written, and the reader,
 * recovery and forces use the segment's read-only mapping. Once every record of a window is published, nothing
 * writes there any more and the spool's thread unmaps the window ({@link #releaseBelow}).
 *
 * <p>Why: the kernel writes a page of a shared mapping back (a force, or its own writeback) by first making it
 * read-only in every mapping that has it writable, and for each such page it interrupts every core that runs this
 * process to drop the page from its TLB. The callers' cores take those interrupts mid-{@code notify}: with the
 * whole segment mapped writable, about 1 call in 100 took 2 to 4 µs longer during a flood (measured on a 2-core
 * virtual machine, where an interrupt between cores is expensive). Unmapping a window costs one such interrupt for
 * the whole window, and its pages are then written back without interrupting anyone.
 *
 * <p>Threads: {@link #write} on appenders, each within the space it reserved; {@link #touch},
 * {@link #publishedWord}, {@link #getInt} and {@link #releaseBelow} on the spool's thread. A window is released
 * only below the first unpublished record, so no appender can still be writing into it.
 */
final class WriteWindows {

  /**
   * The size of a window: a power of two, so that finding an offset's window is a shift. Each map and unmap takes
   * the process's memory-map lock for writing (the callers' page faults wait on it) and interrupts every core: 4 MiB
   * rather than 1 made a flat-out flood of 8 callers refuse in none of 8 runs instead of 2 of 7 (docs/spool.md).
   */
  static final int WINDOW_BYTES = 4 << 20;
  private static final int SHIFT = Integer.numberOfTrailingZeros(WINDOW_BYTES);

  private final MappedByteBuffer[] windows;
  private final int capacity;
  /** Every window below this offset is released; the spool's thread writes it. */
  private volatile int releasedTo;

  private WriteWindows(MappedByteBuffer[] windows, int capacity) {
    this.windows = windows;
    this.capacity = capacity;
  }

  /** Maps {@code [0, size)} of {@code ch} writable, window by window. */
  static WriteWindows map(FileChannel ch, int size) throws IOException {
    MappedByteBuffer[] windows = new MappedByteBuffer[(int) (((long) size + WINDOW_BYTES - 1) >>> SHIFT)];
    for (int w = 0; w < windows.length; w++) {
      long from = (long) w << SHIFT;
      windows[w] = ch.map(FileChannel.MapMode.READ_WRITE, from, Math.min(WINDOW_BYTES, size - from));
      windows[w].order(RecordFormat.ORDER);
    }
    return new WriteWindows(windows, size);
  }

  /**
   * Writes and publishes a record at {@code at} (see {@link RecordFormat#write}); the space must have been reserved
   * by this thread and be zeros.
   */
  void write(int at, int type, long seq, byte[] payload, int off, int len, RecordFormat.Scratch s) {
    int w = at >>> SHIFT;
    ByteBuffer window = windows[w];
    int rel = at - (w << SHIFT);
    if (rel + RecordFormat.HEADER + len <= window.capacity()) {
      RecordFormat.write(window, rel, type, seq, payload, off, len, s); // the common case: one window
      return;
    }
    // The record runs into the next window. Its first word, 8-aligned, lies whole in this one; the other header
    // fields and the payload go where their offsets fall, and the first word is still published last.
    long word = RecordFormat.firstWord(type, seq, payload, off, len, s);
    putInt(at + 8, RecordFormat.MAGIC);
    putInt(at + 12, type);
    putLong(at + 16, seq);
    int from = at + RecordFormat.HEADER;
    int done = 0;
    while (done < len) {
      int p = from + done;
      ByteBuffer b = windows[p >>> SHIFT];
      int r = p & (WINDOW_BYTES - 1);
      int n = Math.min(len - done, b.capacity() - r);
      b.put(r, payload, off + done, n);
      done += n;
    }
    RecordFormat.WORD.setRelease(window, rel, word);
  }

  /**
   * The published first word of the record at {@code at} (8-aligned), read with acquire semantics through the
   * window it lies in, not released yet. Spool's thread: through the read-only mapping instead, every page would
   * be mapped a second time, at a page fault per 16 pages that this thread paid during a flood.
   */
  long publishedWord(int at) {
    return RecordFormat.publishedWord(windows[at >>> SHIFT], at & (WINDOW_BYTES - 1));
  }

  /** The int at {@code at} (4-aligned), through its window, not released yet. */
  int getInt(int at) {
    return windows[at >>> SHIFT].getInt(at & (WINDOW_BYTES - 1));
  }

  /** Writes an int at {@code at} (4-aligned: never split by a window's end); also the segment's header. */
  void putInt(int at, int v) {
    windows[at >>> SHIFT].putInt(at & (WINDOW_BYTES - 1), v);
  }

  /** Writes a long at {@code at} (8-aligned: never split by a window's end); also the segment's header. */
  void putLong(int at, long v) {
    windows[at >>> SHIFT].putLong(at & (WINDOW_BYTES - 1), v);
  }

  /** Writes the segment's magic at its start, in the first window. */
  void putMagic(byte[] magic) {
    windows[0].put(0, magic);
  }

  /**
   * Allocates the page at {@code at}, in a window not released yet, by an atomic compare-and-set of 0 by 0 on its
   * first 8 bytes, which never changes a byte an appender wrote. Spool's thread.
   */
  void touch(int at) {
    RecordFormat.WORD.compareAndSet(windows[at >>> SHIFT], at & (WINDOW_BYTES - 1), 0L, 0L);
  }

  /** Every window below this offset is unmapped. */
  int releasedTo() {
    return releasedTo;
  }

  /**
   * Unmaps every window that lies wholly below {@code publishedTo}, below which every record is published (no
   * appender writes there any more). Spool's thread, or the closing thread once that one has stopped (at close the
   * sealed segment's, up to its end record; a spare's, all of them). Where unmapping is not possible, a window is
   * left to the collector; only the interrupts above come back.
   */
  void releaseBelow(int publishedTo) {
    int w = releasedTo >>> SHIFT;
    while (w < windows.length) {
      int end = (int) Math.min(capacity, ((long) w + 1) << SHIFT);
      if (end > publishedTo) {
        break;
      }
      MappedByteBuffer window = windows[w];
      windows[w] = null; // a bug that wrote here after all fails with an exception, not a crash of the JVM
      Unmapper.unmap(window);
      w++;
      releasedTo = end;
    }
  }
}
