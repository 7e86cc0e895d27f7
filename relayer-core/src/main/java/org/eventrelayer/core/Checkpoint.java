package org.eventrelayer.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The spool's checkpoint: the watermark below which every record is final (delivered or dead-lettered), plus the
 * records above it that are final too (answered out of order, e.g. while an earlier one waits for a retry), so a
 * restart replays only what was not final. Two slots written alternately, each with a counter and a CRC-32C; the
 * valid slot with the higher counter wins, so a write torn by a crash leaves the previous one intact.
 *
 * <pre>
 *   slot (at 0 and at {@value #SLOT_BYTES}): int MAGIC 0x4552434B ("ERCK"), int version 2, long counter,
 *        long watermark, int n (at most {@value #MAX_FINALS}), int crc (CRC-32C of the first 28 bytes and the n
 *        longs), then n longs: final sequence numbers above the watermark, ascending
 * </pre>
 */
final class Checkpoint {

  static final int MAGIC = 0x4552434B;
  static final int VERSION = 2;
  static final int HEADER = 32;
  /** Final records above the watermark remembered at most; beyond, a restart may send the rest again. */
  static final int MAX_FINALS = 4096;
  static final int SLOT_BYTES = HEADER + 8 * MAX_FINALS;
  private static final long[] NONE = new long[0];

  private final Path path;
  private FileChannel channel;
  private long counter;
  private long watermark;
  private long[] finals;

  private Checkpoint(Path path, FileChannel channel, long counter, long watermark, long[] finals) {
    this.path = path;
    this.channel = channel;
    this.counter = counter;
    this.watermark = watermark;
    this.finals = finals;
  }

  /**
   * Reads the checkpoint held by {@code channel} (a new, empty file reads as watermark 0).
   *
   * @param path the file, to reopen it should an interrupt of a writing thread close the channel
   * @param channel the file, open for reading and writing
   */
  static Checkpoint read(Path path, FileChannel channel) throws IOException {
    long bestCounter = -1;
    long bestWatermark = 0;
    long[] bestFinals = NONE;
    for (int slot = 0; slot < 2; slot++) {
      long at = (long) slot * SLOT_BYTES;
      ByteBuffer h = readFully(channel, at, HEADER);
      if (h == null || h.getInt(0) != MAGIC || h.getInt(4) != VERSION) {
        continue;
      }
      int n = h.getInt(24);
      if (n < 0 || n > MAX_FINALS) {
        continue;
      }
      ByteBuffer body = readFully(channel, at + HEADER, n * 8);
      if (body == null || h.getInt(28) != crc(h, body)) {
        continue;
      }
      long c = h.getLong(8);
      if (c > bestCounter) {
        bestCounter = c;
        bestWatermark = h.getLong(16);
        bestFinals = new long[n];
        body.asLongBuffer().get(bestFinals);
      }
    }
    return new Checkpoint(path, channel, Math.max(0, bestCounter), bestWatermark, bestFinals);
  }

  private static ByteBuffer readFully(FileChannel channel, long at, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (channel.read(b, at + b.position()) <= 0) {
        return null;
      }
    }
    return b.flip();
  }

  /** The last watermark written or read. */
  long watermark() {
    return watermark;
  }

  /** The final records above the watermark, ascending, as last written or read. */
  long[] finals() {
    return finals.clone();
  }

  /**
   * Records a new state (no fsync: a crash of the process keeps it; {@link #sync()} for the operating system).
   *
   * @param newWatermark every record below it is final
   * @param newFinals final records above it, ascending; only the first {@value #MAX_FINALS} are kept
   */
  void write(long newWatermark, long[] newFinals) throws IOException {
    long[] f = newFinals.length > MAX_FINALS ? Arrays.copyOf(newFinals, MAX_FINALS) : newFinals;
    if (newWatermark == watermark && Arrays.equals(f, finals) && counter > 0) {
      return;
    }
    counter++;
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    h.putInt(0, MAGIC).putInt(4, VERSION).putLong(8, counter).putLong(16, newWatermark).putInt(24, f.length);
    ByteBuffer body = ByteBuffer.allocate(f.length * 8);
    body.asLongBuffer().put(f);
    h.putInt(28, crc(h, body));
    long at = (counter % 2) * SLOT_BYTES;
    FileChannel channel = open();
    ByteBuffer all = ByteBuffer.allocate(HEADER + body.capacity()).put(h).put(body).flip();
    while (all.hasRemaining()) {
      channel.write(all, at + all.position());
    }
    watermark = newWatermark;
    finals = f.clone();
  }

  /** Forces the checkpoint to the device. */
  void sync() throws IOException {
    open().force(false);
  }

  /** Closes the file. */
  void close() throws IOException {
    channel.close();
  }

  /** The channel, reopened if an interrupt of the thread using it closed it (FileChannel is interruptible). */
  private FileChannel open() throws IOException {
    if (!channel.isOpen()) {
      channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    return channel;
  }

  private static int crc(ByteBuffer header, ByteBuffer body) {
    CRC32C crc = new CRC32C();
    ByteBuffer h = header.duplicate();
    h.position(0).limit(28);
    crc.update(h);
    crc.update(body.duplicate().position(0));
    return (int) crc.getValue();
  }
}
