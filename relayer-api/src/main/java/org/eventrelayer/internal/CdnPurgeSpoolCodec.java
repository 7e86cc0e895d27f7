package org.eventrelayer.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;
import org.eventrelayer.spi.SpoolCodec;

/**
 * The compact spool record of a purge ({@code cdn-purge/1}), public only to be found by
 * {@link java.util.ServiceLoader}. The caller's thread writes the URL, the timestamp, the request id and a
 * {@code meta.id} drawn from its own fast generator ({@link RandomUuids#fast()}), plus the relayer's domain and
 * tags; the worker builds the {@code resource_change} event from exactly that, so a replay sends the same bytes.
 * Big-endian:
 *
 * <pre>
 *   byte 1 (version), long timestamp (epoch ms), long id high, long id low (a version 4 UUID),
 *   string url, string request id (or none), string domain (or none: the URL's host), int n, n strings: tags
 *   string: int n (-1: none), n bytes UTF-8
 * </pre>
 */
public final class CdnPurgeSpoolCodec extends SpoolCodec {

  static final CdnPurgeSpoolCodec INSTANCE = new CdnPurgeSpoolCodec();
  private static final byte VERSION = 1;
  private static final int MAX_TAGS = 10_000;

  /** The shape decoded last: a worker reads the records of one relayer in a row, and keeps reusing it. */
  private volatile CdnPurge.Shape lastShape;

  /** For {@link java.util.ServiceLoader}; the relayer uses one shared instance. */
  public CdnPurgeSpoolCodec() {}

  @Override
  public String kind() {
    return "cdn-purge/1";
  }

  @Override
  public int maxEncodedBytes(PendingEvent event) {
    CdnPurge p = (CdnPurge) event;
    return 1 + 24 + 4 + p.url.length() * 3 + 4 + (p.requestId == null ? 0 : p.requestId.length() * 3)
        + p.shape.encoded.length;
  }

  @Override
  public void encode(PendingEvent event, ByteBuffer out) {
    CdnPurge p = (CdnPurge) event;
    RandomUuids.Fast ids = RandomUuids.fast();
    long msb = ids.nextMsb();
    out.put(VERSION).putLong(p.millis).putLong(msb).putLong(ids.nextLsb());
    putString(out, p.url);
    putString(out, p.requestId);
    out.put(p.shape.encoded);
  }

  @Override
  public PendingEvent decode(String stream, ByteBuffer in) {
    try {
      if (in.get() != VERSION) {
        throw new IllegalArgumentException("not a version 1 purge record");
      }
      long millis = in.getLong();
      if (millis < 0 || millis > CdnPurgeRelayer.MAX_EPOCH_MILLIS) {
        throw new IllegalArgumentException("timestamp out of range: " + millis);
      }
      long msb = in.getLong();
      long lsb = in.getLong();
      String url = getString(in);
      if (url == null || url.isEmpty() || url.length() > UrlCheck.MAX_LENGTH) {
        throw new IllegalArgumentException("no usable url");
      }
      String requestId = getString(in);
      return new CdnPurge(shape(stream, in), DeliveryTracker.untracked(), url, millis, requestId, true, msb, lsb);
    } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("truncated purge record", e);
    }
  }

  /** The shape the rest of {@code in} encodes, reusing the last one decoded when it is the same. */
  private CdnPurge.Shape shape(String stream, ByteBuffer in) {
    CdnPurge.Shape last = lastShape;
    if (last != null && last.stream.equals(stream) && in.mismatch(ByteBuffer.wrap(last.encoded)) == -1) {
      return last;
    }
    String domain = getString(in);
    int n = in.getInt();
    if (n < 0 || n > MAX_TAGS) {
      throw new IllegalArgumentException("tag count " + n);
    }
    List<String> tags = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String t = getString(in);
      if (t == null) {
        throw new IllegalArgumentException("missing tag");
      }
      tags.add(t);
    }
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " bytes after the purge record");
    }
    CdnPurge.Shape shape = new CdnPurge.Shape(stream, domain, tags);
    lastShape = shape;
    return shape;
  }

  /** The relayer's part of every record: domain and tags. */
  static byte[] encodeShape(String domain, List<String> tags) {
    int max = 8 + (domain == null ? 0 : domain.length() * 3);
    for (String t : tags) {
      max += 4 + t.length() * 3;
    }
    ByteBuffer b = ByteBuffer.allocate(max);
    putString(b, domain);
    b.putInt(tags.size());
    for (String t : tags) {
      putString(b, t);
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  /** Writes {@code s} as int length (-1: null) and UTF-8; ASCII without a copy. */
  static void putString(ByteBuffer out, String s) {
    if (s == null) {
      out.putInt(-1);
      return;
    }
    int at = out.position();
    int n = s.length();
    out.putInt(n);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) { // not ASCII: start over with the encoder
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.position(at);
        out.putInt(utf8.length).put(utf8);
        return;
      }
      out.put((byte) c);
    }
  }

  private static String getString(ByteBuffer in) {
    int n = in.getInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("string length " + n);
    }
    byte[] b = new byte[n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
