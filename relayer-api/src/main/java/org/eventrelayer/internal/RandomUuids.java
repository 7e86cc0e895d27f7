package org.eventrelayer.internal;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random (version 4) UUIDs for {@code meta.id}, as {@link UUID#randomUUID()} makes them, from the same kind of
 * {@link SecureRandom}, but drawn 256 at a time: {@code randomUUID()} pays the generator's lock and its read of
 * the system's entropy per UUID, which made it a visible part of the worker's per-event cost. Each thread (a
 * service's worker, or its spool writer) keeps its own block.
 */
final class RandomUuids {

  private static final int BLOCK_BYTES = 16 * 256;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<Block> BLOCKS = ThreadLocal.withInitial(Block::new);

  private RandomUuids() {}

  /** A new random UUID, in its canonical 36-character form. */
  static String next() {
    return BLOCKS.get().next().toString();
  }

  /** One thread's unread random bytes. */
  private static final class Block {
    private final byte[] bytes = new byte[BLOCK_BYTES];
    private int at = BLOCK_BYTES;

    UUID next() {
      if (at == BLOCK_BYTES) {
        RANDOM.nextBytes(bytes);
        at = 0;
      }
      long msb = longAt(at);
      long lsb = longAt(at + 8);
      java.util.Arrays.fill(bytes, at, at + 16, (byte) 0); // used bytes do not linger in memory
      at += 16;
      msb = (msb & ~0xF000L) | 0x4000L; // version 4
      lsb = (lsb & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // IETF variant
      return new UUID(msb, lsb);
    }

    private long longAt(int i) {
      long v = 0;
      for (int k = i; k < i + 8; k++) {
        v = (v << 8) | (bytes[k] & 0xff);
      }
      return v;
    }
  }
}
