package org.eventrelayer.core.spool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The framing of one record in a mapped segment, and the code that writes and checks it. All integers are
 * little-endian; every record starts at a multiple of 8 from the start of its segment.
 *
 * <pre>
 *   0  int  length   bytes of the record without padding: 24 + payload       \ one 8-byte word, stored last
 *   4  int  crc      CRC-32C of the 4 length bytes, then bytes [8, length)   / with release semantics
 *   8  int  magic    0x5253FEFF (bytes FF FE 53 52: FF and FE never occur in UTF-8)
 *  12  int  type     1 = data, 2 = end of segment (its seq is the next segment's first)
 *  16  long seq      strictly increasing through the spool, without holes
 *  24  payload, then zeros up to the next multiple of 8
 * </pre>
 *
 * <p>A writer fills bytes 8 and up, then publishes the record with one ordered 8-byte store of the first word. A
 * word of zero means "nothing here yet" (segments are zero-filled before use), so a reader, live or after a crash,
 * never takes a record that is still being copied, and the checksum catches a torn or damaged one. Because each
 * record carries its own magic and sequence number, a reader finds records without the segment's header and
 * resynchronises after damage by looking for the magic at every multiple of 8.
 */
final class RecordFormat {

  static final int MAGIC = 0x5253FEFF;
  static final int TYPE_DATA = 1;
  static final int TYPE_END = 2;
  static final int HEADER = 24;
  static final int END_RECORD = HEADER; // an end-of-segment record has no payload
  static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
  static final VarHandle WORD = MethodHandles.byteBufferViewVarHandle(long[].class, ORDER);

  /** Scratch state of one appending thread: a checksum and the bytes of a header, reused across appends. */
  static final class Scratch {
    final CRC32C crc = new CRC32C();
    final byte[] header = new byte[4 + 16];
    final ByteBuffer headerView = ByteBuffer.wrap(header).order(ORDER);
  }

  private RecordFormat() {}

  /** {@code n} rounded up to a multiple of 8. */
  static int align(int n) {
    return (n + 7) & ~7;
  }

  /** Bytes a record with a payload of {@code payloadLength} bytes takes in a segment, padding included. */
  static int footprint(int payloadLength) {
    return align(HEADER + payloadLength);
  }

  /**
   * Writes a record at {@code at} (a multiple of 8, with {@link #footprint} bytes of zeros available) and publishes
   * it. Thread-safe for distinct offsets: only absolute accesses are used on the shared buffer.
   */
  static void write(ByteBuffer map, int at, int type, long seq, byte[] payload, int off, int len, Scratch s) {
    long word = firstWord(type, seq, payload, off, len, s);
    map.putInt(at + 8, MAGIC);
    map.putInt(at + 12, type);
    map.putLong(at + 16, seq);
    if (len > 0) {
      map.put(at + HEADER, payload, off, len);
    }
    WORD.setRelease(map, at, word);
  }

  /** The first word of the record {@link #write} writes: its length and the checksum of its header and payload. */
  static long firstWord(int type, long seq, byte[] payload, int off, int len, Scratch s) {
    int length = HEADER + len;
    s.headerView.putInt(0, length).putInt(4, MAGIC).putInt(8, type).putLong(12, seq);
    CRC32C crc = s.crc;
    crc.reset();
    crc.update(s.header, 0, s.header.length);
    if (len > 0) {
      crc.update(payload, off, len);
    }
    return word(length, (int) crc.getValue());
  }

  /** The first word of a record: length in the low half, crc in the high half (little-endian: length first). */
  static long word(int length, int crc) {
    return (length & 0xFFFFFFFFL) | ((long) crc << 32);
  }

  /** The published first word at {@code at}, read with acquire semantics (0: nothing published yet). */
  static long publishedWord(ByteBuffer map, int at) {
    return (long) WORD.getAcquire(map, at);
  }

  /**
   * Checks the record at {@code at} of a buffer that holds valid bytes up to {@code limit}.
   *
   * @return the record's length without padding if it is whole and intact, or -1
   */
  static int check(ByteBuffer map, int at, int limit, Scratch s) {
    if (at < 0 || at + HEADER > limit || map.getInt(at + 8) != MAGIC) {
      return -1;
    }
    long w = publishedWord(map, at);
    int length = (int) w;
    int type = map.getInt(at + 12);
    if (length < HEADER || length > limit - at || (type != TYPE_DATA && type != TYPE_END)
        || (type == TYPE_END && length != END_RECORD)) {
      return -1;
    }
    CRC32C crc = s.crc;
    crc.reset();
    s.headerView.putInt(0, length);
    crc.update(s.header, 0, 4);
    crc.update(map.duplicate().limit(at + length).position(at + 8));
    return (int) crc.getValue() == (int) (w >>> 32) ? length : -1;
  }

  /** The type of a record that {@link #check} accepted. */
  static int type(ByteBuffer map, int at) {
    return map.getInt(at + 12);
  }

  /** The sequence number of a record that {@link #check} accepted. */
  static long seq(ByteBuffer map, int at) {
    return map.getLong(at + 16);
  }

  /** A copy of the payload of a record that {@link #check} accepted. */
  static byte[] payload(ByteBuffer map, int at, int length) {
    byte[] out = new byte[length - HEADER];
    map.get(at + HEADER, out);
    return out;
  }
}
