package org.eventrelayer.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The payload of one event's record in the mapped spool, written on the caller's thread and read back by the worker
 * (or by the next start). Its forms, told apart by the first byte:
 *
 * <pre>
 *   generic (1): byte 1, long accepted, int n + stream, int n + meta.id (-1: none), int n + coalescing key
 *                (-1: none), then the event's compact JSON (signed, if signing is on)
 *   compact (3): byte 3, long accepted, byte n + stream, byte n + the codec's kind (ASCII), then the bytes the
 *                event's {@link org.eventrelayer.spi.SpoolCodec} wrote
 *   compact (2): the same with int n + stream: what the spool wrote before form 3, and still writes for a stream
 *                name longer than 255 bytes
 * </pre>
 *
 * <p>The first byte's bit {@code 0x10} says that the caller who appended the record waits on its outcome in this run
 * (its delivery future is registered): the worker then waits for that registration before it takes the record.
 * {@code accepted} is epoch milliseconds (so {@code retry.maxAge} keeps counting across restarts); strings are
 * UTF-8. A payload whose first byte is 0 is the generic form without its first byte, as the spool wrote it before
 * compact records (its {@code accepted} starts with a zero byte until the year 2500).
 *
 * @param acceptedMillis when it was accepted
 * @param stream its stream
 * @param id its {@code meta.id}, or {@code null} (generic form only)
 * @param coalesceKey the key equal purges share, or {@code null} (generic form only)
 * @param json the serialized event (generic form), or {@code null}
 * @param kind the codec's kind (compact form), or {@code null}
 * @param compact the codec's bytes (compact form), or {@code null}
 */
record SpooledEvent(long acceptedMillis, String stream, String id, String coalesceKey, byte[] json, String kind,
    ByteBuffer compact) {

  static final byte GENERIC = 1;
  static final byte COMPACT = 2;
  /** Compact with the stream's length in one byte: 3 bytes less, which took a purge's record from 136 to 128. */
  static final byte COMPACT_SHORT_STREAM = 3;
  static final int AWAITED = 0x10;
  static final int MAX_KIND = 64;

  /** A generic record. */
  static SpooledEvent generic(long acceptedMillis, String stream, String id, String coalesceKey, byte[] json) {
    return new SpooledEvent(acceptedMillis, stream, id, coalesceKey, json, null, null);
  }

  /** Whether the payload's caller waits on it in this run (see the class comment). */
  static boolean awaited(byte[] payload) {
    return payload.length > 0 && (payload[0] & AWAITED) != 0;
  }

  /** Encodes a generic record's payload; {@code awaited}: see the class comment. */
  byte[] encode(boolean awaited) {
    byte[] s = stream.getBytes(StandardCharsets.UTF_8);
    byte[] i = id == null ? null : id.getBytes(StandardCharsets.UTF_8);
    byte[] k = coalesceKey == null ? null : coalesceKey.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 4 + s.length + 4 + length(i) + 4 + length(k) + json.length);
    b.put((byte) (GENERIC | (awaited ? AWAITED : 0))).putLong(acceptedMillis).putInt(s.length).put(s);
    put(b, i);
    put(b, k);
    return b.put(json).array();
  }

  /** Bytes {@link #putCompactHeader} writes. */
  static int compactHeaderBytes(byte[] stream, byte[] kind) {
    return 1 + 8 + (shortStream(stream) ? 1 : 4) + stream.length + 1 + kind.length;
  }

  /** Whether the stream's length fits form 3's one byte. */
  private static boolean shortStream(byte[] stream) {
    return stream.length <= 0xff;
  }

  /** Writes the head of a compact record; the codec's bytes follow. */
  static void putCompactHeader(ByteBuffer out, long acceptedMillis, byte[] stream, byte[] kind, boolean awaited) {
    int flag = awaited ? AWAITED : 0;
    if (shortStream(stream)) {
      out.put((byte) (COMPACT_SHORT_STREAM | flag)).putLong(acceptedMillis).put((byte) stream.length);
    } else {
      out.put((byte) (COMPACT | flag)).putLong(acceptedMillis).putInt(stream.length);
    }
    out.put(stream).put((byte) kind.length).put(kind);
  }

  /**
   * Decodes a payload that the spool verified; a compact record's codec bytes are left for its codec. The stream
   * name and the kind come from {@code names} when seen before.
   *
   * @throws IllegalArgumentException if it is not a well-formed event record
   */
  static SpooledEvent decode(byte[] payload, RecentNames names) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    try {
      int form = payload[0] & ~AWAITED;
      if (form != 0) {
        b.get();
      }
      long accepted = b.getLong();
      int streamLength = form == COMPACT_SHORT_STREAM ? b.get() & 0xff : b.getInt();
      if (streamLength < 0 || streamLength > b.remaining()) {
        throw new IllegalArgumentException("stream length " + streamLength);
      }
      String stream = names.get(payload, b.position(), streamLength, StandardCharsets.UTF_8);
      b.position(b.position() + streamLength);
      if (form == COMPACT || form == COMPACT_SHORT_STREAM) {
        int n = b.get() & 0xff;
        if (n == 0 || n > MAX_KIND || n > b.remaining()) {
          throw new IllegalArgumentException("kind length " + n);
        }
        String kind = names.get(payload, b.position(), n, StandardCharsets.US_ASCII);
        b.position(b.position() + n);
        return new SpooledEvent(accepted, stream, null, null, null, kind, b.slice());
      }
      if (form != 0 && form != GENERIC) {
        throw new IllegalArgumentException("unknown form " + form);
      }
      String id = string(b, b.getInt());
      String key = string(b, b.getInt());
      byte[] json = new byte[b.remaining()];
      b.get(json);
      return generic(accepted, stream, id, key, json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed event record: " + e, e);
    }
  }

  private static int length(byte[] b) {
    return b == null ? 0 : b.length;
  }

  private static void put(ByteBuffer b, byte[] v) {
    if (v == null) {
      b.putInt(-1);
    } else {
      b.putInt(v.length).put(v);
    }
  }

  private static String string(ByteBuffer b, int n) {
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("length " + n);
    }
    String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
    b.position(b.position() + n);
    return s;
  }
}
