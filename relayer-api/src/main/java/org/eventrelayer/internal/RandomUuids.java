package org.eventrelayer.internal;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random (version 4) UUIDs for {@code meta.id}, as {@link UUID#randomUUID()} makes them, from the same kind of
 * {@link SecureRandom}, but drawn 256 at a time: {@code randomUUID()} pays the generator's lock and its read of
 * the system's entropy per UUID, which made it a visible part of the worker's per-event cost. Each thread (a
 * service's worker, or its spool writer) keeps its own block.
 *
 * <p>{@link #fast()} is for the callers' threads, where even a block refill (a lock shared by every thread, and
 * 4 KiB of {@code SecureRandom}) is too slow: a per-thread xoroshiro128++ generator seeded with 128 bits from
 * {@code SecureRandom}. Its 2^128 states keep the ids as unlikely to repeat as random UUIDs, which a 64-bit
 * generator such as {@code ThreadLocalRandom} would not (two of 10^9 ids would share a value with a chance of
 * about 3%); ids need to be unique, not unpredictable.
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

  /** This thread's fast generator: for ids drawn on callers' threads; see the class comment. */
  static Fast fast() {
    return FAST.get();
  }

  /** The canonical form of the UUID {@code msb}/{@code lsb}, as {@link Fast#nextMsb()}/{@link Fast#nextLsb()} drew. */
  static String format(long msb, long lsb) {
    return new UUID(msb, lsb).toString();
  }

  private static final ThreadLocal<Fast> FAST = ThreadLocal.withInitial(Fast::new);

  /** xoroshiro128++ (Blackman and Vigna), one per thread; not thread-safe. */
  static final class Fast {
    private long s0;
    private long s1;

    Fast() {
      byte[] seed = new byte[16];
      RANDOM.nextBytes(seed);
      for (int i = 0; i < 8; i++) {
        s0 = (s0 << 8) | (seed[i] & 0xff);
        s1 = (s1 << 8) | (seed[i + 8] & 0xff);
      }
      if ((s0 | s1) == 0) {
        s1 = 0x9E3779B97F4A7C15L; // the one state the generator cannot leave
      }
    }

    private long next() {
      long a = s0;
      long b = s1;
      long result = Long.rotateLeft(a + b, 17) + a;
      b ^= a;
      s0 = Long.rotateLeft(a, 49) ^ b ^ (b << 21);
      s1 = Long.rotateLeft(b, 28);
      return result;
    }

    /** The high half of a new version 4 UUID; draw {@link #nextLsb()} with it. */
    long nextMsb() {
      return (next() & ~0xF000L) | 0x4000L;
    }

    /** The low half (IETF variant) of the UUID whose {@link #nextMsb()} was just drawn. */
    long nextLsb() {
      return (next() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    }
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
