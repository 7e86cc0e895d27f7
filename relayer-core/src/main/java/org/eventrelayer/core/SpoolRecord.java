package org.eventrelayer.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * One event as stored in a spool segment, and the record framing.
 *
 * <p>A record on disk is a 12-byte header followed by the payload, all big-endian:
 * <pre>
 *   int  MAGIC        0xFFFE5250 (0xFF and 0xFE never occur in UTF-8, so a resync rarely meets it by chance)
 *   int  length       of the payload, in bytes
 *   int  crc          CRC-32C over the 4 length bytes and the payload
 *   payload:
 *     byte  version   1
 *     long  seq       the record's sequence number, strictly increasing through the spool
 *     long  accepted  when the event was accepted, epoch milliseconds
 *     int   n, n bytes  the stream, UTF-8
 *     int   n, n bytes  meta.id, UTF-8 (n = -1: none)
 *     int   n, n bytes  the event's compact JSON, UTF-8
 * </pre>
 */
record SpoolRecord(long seq, long acceptedMillis, String stream, String id, byte[] json) {

  static final int MAGIC = 0xFFFE5250;
  static final int HEADER_BYTES = 12;
  static final byte VERSION = 1;
  /** The largest payload a reader believes; anything larger is corruption. */
  static final int MAX_PAYLOAD = (1 << 30) + (1 << 20);

  /** The number of bytes {@link #writeTo} appends. */
  int encodedSize() {
    return HEADER_BYTES + payloadSize();
  }

  private int payloadSize() {
    return 1 + 8 + 8 + 4 + utf8(stream).length + 4 + (id == null ? 0 : utf8(id).length) + 4 + json.length;
  }

  /** Appends the framed record to {@code out}, which must have {@link #encodedSize()} bytes left. */
  void writeTo(ByteBuffer out) {
    byte[] s = utf8(stream);
    byte[] i = id == null ? null : utf8(id);
    int start = out.position();
    int len = 1 + 8 + 8 + 4 + s.length + 4 + (i == null ? 0 : i.length) + 4 + json.length;
    out.putInt(MAGIC);
    out.putInt(len);
    out.putInt(0); // crc, filled below
    out.put(VERSION);
    out.putLong(seq);
    out.putLong(acceptedMillis);
    out.putInt(s.length);
    out.put(s);
    if (i == null) {
      out.putInt(-1);
    } else {
      out.putInt(i.length);
      out.put(i);
    }
    out.putInt(json.length);
    out.put(json);
    CRC32C crc = new CRC32C();
    ByteBuffer covered = out.duplicate();
    covered.position(start + 4).limit(start + 8);
    crc.update(covered);
    covered.limit(start + HEADER_BYTES + len).position(start + HEADER_BYTES);
    crc.update(covered);
    out.putInt(start + 8, (int) crc.getValue());
  }

  /** The CRC-32C a record with this length and payload must carry. */
  static int crc(int length, ByteBuffer payload) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(4).putInt(0, length));
    crc.update(payload.duplicate());
    return (int) crc.getValue();
  }

  /**
   * Decodes a payload whose checksum was verified.
   *
   * @return the record, or {@code null} if the payload is not a well-formed version-1 record
   */
  static SpoolRecord decode(ByteBuffer payload) {
    ByteBuffer p = payload.duplicate();
    try {
      if (p.get() != VERSION) {
        return null;
      }
      long seq = p.getLong();
      long accepted = p.getLong();
      String stream = string(p, p.getInt());
      int idLen = p.getInt();
      String id = idLen == -1 ? null : string(p, idLen);
      int jsonLen = p.getInt();
      if (jsonLen < 0 || jsonLen != p.remaining() || stream == null || (idLen != -1 && id == null)) {
        return null;
      }
      byte[] json = new byte[jsonLen];
      p.get(json);
      return new SpoolRecord(seq, accepted, stream, id, json);
    } catch (RuntimeException e) { // BufferUnderflowException and friends: a malformed payload
      return null;
    }
  }

  private static String string(ByteBuffer p, int len) {
    if (len < 0 || len > p.remaining()) {
      return null;
    }
    byte[] b = new byte[len];
    p.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
