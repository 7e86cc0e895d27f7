package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * What is final: the watermark below which every record is final (delivered or given up), the ranges of final
 * records above it (answered out of order, or found lost by recovery), and the sequence number the spool had reached, so that a restart that finds fewer
 * records than were appended counts the difference as lost instead of reusing their numbers. Two slots written
 * alternately, each with a counter and a CRC-32C; the intact slot with the higher counter wins, so a write torn by
 * a crash leaves the previous one.
 *
 * <pre>
 *   slot at 0 and at {@value #SLOT_BYTES} (little-endian): int magic "ERC3", int n (at most {@value #MAX_FINALS}),
 *        long counter, long watermark, long next, int crc (CRC-32C of the first 32 bytes and the n longs), int 0,
 *        then n longs: {@code [start, end)} pairs, the ranges of final sequence numbers above the watermark
 * </pre>
 *
 * <p>The file is mapped, so writing it is a memory copy that no thread interrupt can break (an interrupted
 * {@code FileChannel} closes, and would drop the lock its descriptor holds, one of the spool's locks). Written by
 * one thread at a time (the consumer's), forced by the spool's thread; {@link #close(boolean)} unmaps it once
 * neither can reach it.
 */
final class SpoolCheckpoint implements AutoCloseable {

  static final String FILE = "checkpoint";
  static final int MAGIC = 0x33435245; // "ERC3"
  static final int HEADER = 40;
  /** Longs of final ranges above the watermark remembered at most; beyond, a restart may replay some again. */
  static final int MAX_FINALS = 4096;
  static final int SLOT_BYTES = HEADER + 8 * MAX_FINALS;

  private final FileChannel channel;
  private final MappedByteBuffer map;
  private long counter;
  private long watermark;
  private long next;
  private long[] finals;
  /**
   * Set by close. Write and close hold this object's monitor, so that a write can never copy into a buffer a close
   * unmapped (that would crash the process); a force into one fails with an error, so force only reads it.
   */
  private volatile boolean closed;

  private SpoolCheckpoint(FileChannel channel, MappedByteBuffer map, long counter, long watermark, long next,
      long[] finals) {
    this.channel = channel;
    this.map = map;
    this.counter = counter;
    this.watermark = watermark;
    this.next = next;
    this.finals = finals;
  }

  /** Opens, locks and reads the checkpoint of {@code dir} (a missing file reads as nothing final). */
  static SpoolCheckpoint open(Path dir) throws IOException {
    Path path = dir.resolve(FILE);
    FileChannel ch = SpoolFiles.openOwnerOnly(path,
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE));
    try {
      SpoolLock.lock(ch, dir, path); // released when the channel closes
      if (ch.size() < 2L * SLOT_BYTES) {
        ch.write(ByteBuffer.allocate(1), 2L * SLOT_BYTES - 1);
      }
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 2L * SLOT_BYTES);
      map.order(RecordFormat.ORDER);
      SpoolCheckpoint best = new SpoolCheckpoint(ch, map, 0, 0, 0, new long[0]);
      for (int slot = 0; slot < 2; slot++) {
        ByteBuffer h = map.duplicate().order(RecordFormat.ORDER).position(slot * SLOT_BYTES).slice()
            .order(RecordFormat.ORDER);
        int n = h.getInt(4);
        if (h.getInt(0) != MAGIC || n < 0 || n > MAX_FINALS) {
          continue;
        }
        ByteBuffer body = h.duplicate().position(HEADER).limit(HEADER + 8 * n).slice().order(RecordFormat.ORDER);
        if (h.getInt(32) != crc(h, body) || h.getLong(8) <= best.counter) {
          continue;
        }
        long[] f = new long[n];
        body.asLongBuffer().get(f);
        best = new SpoolCheckpoint(ch, map, h.getLong(8), h.getLong(16), h.getLong(24), f);
      }
      return best;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  long watermark() {
    return watermark;
  }

  long next() {
    return next;
  }

  long[] finals() {
    return finals.clone();
  }

  /**
   * Records a new state without forcing it (a process crash keeps it; {@link #force()} for the operating system).
   * {@code newFinals} are {@code [start, end)} pairs, at most {@value #MAX_FINALS} longs.
   */
  synchronized void write(long newWatermark, long[] newFinals, long newNext) throws IOException {
    ensureOpen();
    long[] f = newFinals.length > MAX_FINALS ? Arrays.copyOf(newFinals, MAX_FINALS & ~1) : newFinals;
    if (counter > 0 && newWatermark == watermark && newNext == next && Arrays.equals(f, finals)) {
      return;
    }
    counter++;
    ByteBuffer all = ByteBuffer.allocate(HEADER + 8 * f.length).order(RecordFormat.ORDER);
    all.putInt(0, MAGIC).putInt(4, f.length).putLong(8, counter).putLong(16, newWatermark).putLong(24, newNext);
    ByteBuffer body = all.duplicate().order(RecordFormat.ORDER).position(HEADER).slice().order(RecordFormat.ORDER);
    body.asLongBuffer().put(f);
    all.putInt(32, crc(all, body));
    map.put((int) (counter % 2) * SLOT_BYTES, all, 0, all.limit());
    watermark = newWatermark;
    next = newNext;
    finals = f.clone();
  }

  /** Forces the checkpoint to the device. */
  void force() throws IOException {
    ensureOpen();
    map.force();
  }

  /** Closes the file and unmaps the checkpoint ({@link #close(boolean)}: every thread that used it has stopped). */
  @Override
  public void close() throws IOException {
    close(true);
  }

  /**
   * Closes the file, and unmaps the checkpoint if {@code unmap}: only when no thread can still write or force it (a
   * spool's thread stuck in a force keeps it mapped, and the collector unmaps it). Unmapped at once, a closed spool
   * that its host still references holds no mapping of its directory.
   */
  synchronized void close(boolean unmap) throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } finally {
      if (unmap) {
        Unmapper.unmap(map);
      }
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the spool's checkpoint is closed");
    }
  }

  private static int crc(ByteBuffer header, ByteBuffer body) {
    CRC32C crc = new CRC32C();
    crc.update(header.duplicate().position(0).limit(32));
    crc.update(body.duplicate().position(0));
    return (int) crc.getValue();
  }
}
