package org.eventrelayer.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eventrelayer.spi.SpoolCodec;

/**
 * One caller thread's reusable state for compact records: the record's buffer, and the encoded stream and kind of
 * the last event (a thread offers the same few, so neither is encoded twice).
 */
final class OfferScratch {
  private ByteBuffer buffer = ByteBuffer.allocate(512);
  private String stream;
  private byte[] streamBytes;
  private SpoolCodec codec;
  private byte[] kindBytes;

  /** The buffer, cleared, with room for {@code n} bytes. */
  ByteBuffer buffer(int n) {
    if (buffer.capacity() < n) {
      buffer = ByteBuffer.allocate(Math.max(n, buffer.capacity() * 2));
    }
    return buffer.clear();
  }

  byte[] streamBytes(String s) {
    if (!s.equals(stream)) {
      streamBytes = s.getBytes(StandardCharsets.UTF_8);
      stream = s;
    }
    return streamBytes;
  }

  /** The codec's kind as ASCII, or {@code null} if it is not 1 to 64 printable ASCII characters. */
  byte[] kindBytes(SpoolCodec c) {
    if (c != codec) {
      String k = c.kind();
      kindBytes = k != null && !k.isEmpty() && k.length() <= SpooledEvent.MAX_KIND
          && k.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f) ? k.getBytes(StandardCharsets.US_ASCII) : null;
      codec = c;
    }
    return kindBytes;
  }
}
