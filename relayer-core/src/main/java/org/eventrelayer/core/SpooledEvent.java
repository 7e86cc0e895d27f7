package org.eventrelayer.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The payload of one event's record in the mapped spool, written on the caller's thread and read back by the worker
 * (or by the next start): everything the event's batch line needs, so a replay sends exactly the bytes the first
 * attempt would have sent.
 *
 * <pre>
 *   long accepted (epoch ms, so retry.maxAge keeps counting across restarts)
 *   int n, n bytes: the stream (UTF-8)
 *   int n, n bytes: meta.id (UTF-8; n = -1: none)
 *   int n, n bytes: the coalescing key (UTF-8; n = -1: none)
 *   the rest: the event's compact JSON (signed, if signing is on)
 * </pre>
 *
 * @param acceptedMillis when it was accepted
 * @param stream its stream
 * @param id its {@code meta.id}, or {@code null}
 * @param coalesceKey the key equal purges share, or {@code null}
 * @param json the serialized event
 */
record SpooledEvent(long acceptedMillis, String stream, String id, String coalesceKey, byte[] json) {

  /** Encodes the record's payload. */
  byte[] encode() {
    byte[] s = stream.getBytes(StandardCharsets.UTF_8);
    byte[] i = id == null ? null : id.getBytes(StandardCharsets.UTF_8);
    byte[] k = coalesceKey == null ? null : coalesceKey.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + 4 + s.length + 4 + length(i) + 4 + length(k) + json.length);
    b.putLong(acceptedMillis).putInt(s.length).put(s);
    put(b, i);
    put(b, k);
    return b.put(json).array();
  }

  /**
   * Decodes a payload that the spool verified.
   *
   * @throws IllegalArgumentException if it is not a well-formed event record
   */
  static SpooledEvent decode(byte[] payload) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    try {
      long accepted = b.getLong();
      String stream = string(b, b.getInt());
      String id = string(b, b.getInt());
      String key = string(b, b.getInt());
      byte[] json = new byte[b.remaining()];
      b.get(json);
      if (stream == null) {
        throw new IllegalArgumentException("no stream");
      }
      return new SpooledEvent(accepted, stream, id, key, json);
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
