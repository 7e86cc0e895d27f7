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
 * The compact spool record of a purge, public only to be found by
 * {@link java.util.ServiceLoader}. The caller's thread writes the URL, the timestamp, the request id and a
 * {@code meta.id} drawn from its own fast generator ({@link RandomUuids#fast()}), plus the relayer's domain and
 * tags; the worker builds the {@code resource_change} event from exactly that, so a replay sends the same bytes.
 * The first byte is the layout's version; this codec writes version 2 and reads both, under the one kind
 * {@code cdn-purge/1} (see {@link SpoolCodec#kind()}):
 *
 * <pre>
 *   version 2: byte 2, byte flags (0x01: the URL's "https://" is left out; 0x02: a request id follows),
 *              varint timestamp (epoch ms), long id high, long id low (a version 4 UUID), varstring url
 *              (without "https://" if flagged), [varstring request id], then the shape: varint domain (0: none,
 *              the URL's host; else 1 + its length in bytes, then the bytes), varint n, n varstrings: tags
 *   version 1: byte 1, long timestamp, long id high, long id low, string url, string request id (or none),
 *              string domain (or none), int n, n strings: tags; string: int n (-1: none), n bytes
 * </pre>
 *
 * <p>Big-endian; strings UTF-8; a varint is 7 bits a byte, low bits first, the high bit set on all but the last
 * byte, and a varstring a varint length then the bytes. Version 2 is version 1 without the room a purge did not
 * use (a URL's length in 1 byte instead of 4, no 8-byte timestamp's leading zeros, no scheme most URLs share): a
 * purge with a 48-character URL takes 128 bytes of spool instead of 152, a sixth fewer pages for the spool's thread
 * to prepare, at 10 to 15 µs a page on some virtual machines (docs/spool.md, Measurements, "2026-12-02, night").
 */
public final class CdnPurgeSpoolCodec extends SpoolCodec {

  static final CdnPurgeSpoolCodec INSTANCE = new CdnPurgeSpoolCodec();
  private static final byte VERSION_1 = 1;
  private static final byte VERSION_2 = 2;
  private static final int HTTPS = 0x01;
  private static final int REQUEST_ID = 0x02;
  private static final String HTTPS_PREFIX = "https://";
  private static final int MAX_TAGS = 10_000;
  private static final int MAX_VARINT_BYTES = 5;
  private static final int MAX_VARLONG_BYTES = 10;

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
    return 2 + MAX_VARLONG_BYTES + 16 + MAX_VARINT_BYTES + p.url.length() * 3
        + (p.requestId == null ? 0 : MAX_VARINT_BYTES + p.requestId.length() * 3) + p.shape.encoded.length;
  }

  @Override
  public void encode(PendingEvent event, ByteBuffer out) {
    CdnPurge p = (CdnPurge) event;
    RandomUuids.Fast ids = RandomUuids.fast();
    long msb = ids.nextMsb();
    boolean https = p.url.startsWith(HTTPS_PREFIX);
    out.put(VERSION_2).put((byte) ((https ? HTTPS : 0) | (p.requestId != null ? REQUEST_ID : 0)));
    putVarLong(out, p.millis);
    out.putLong(msb).putLong(ids.nextLsb());
    putVarString(out, p.url, https ? HTTPS_PREFIX.length() : 0);
    if (p.requestId != null) {
      putVarString(out, p.requestId, 0);
    }
    out.put(p.shape.encoded);
  }

  @Override
  public PendingEvent decode(String stream, ByteBuffer in) {
    try {
      byte version = in.get();
      if (version == VERSION_2) {
        return decode2(stream, in);
      }
      if (version == VERSION_1) {
        return decode1(stream, in);
      }
      throw new IllegalArgumentException("not a version 1 or 2 purge record");
    } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("truncated purge record", e);
    }
  }

  private PendingEvent decode2(String stream, ByteBuffer in) {
    int flags = in.get();
    if ((flags & ~(HTTPS | REQUEST_ID)) != 0) {
      throw new IllegalArgumentException("unknown flags " + flags);
    }
    long millis = millis(getVarLong(in));
    long msb = in.getLong();
    long lsb = in.getLong();
    String rest = getVarString(in, getVarInt(in));
    String url = (flags & HTTPS) != 0 ? HTTPS_PREFIX + rest : rest;
    String requestId = (flags & REQUEST_ID) != 0 ? getVarString(in, getVarInt(in)) : null;
    CdnPurge.Shape shape = lastShape;
    if (shape == null || !shape.stream.equals(stream) || in.mismatch(ByteBuffer.wrap(shape.encoded)) != -1) {
      int domainLength = getVarInt(in);
      String domain = domainLength == 0 ? null : getVarString(in, domainLength - 1);
      int n = tagCount(getVarInt(in));
      List<String> tags = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        tags.add(getVarString(in, getVarInt(in)));
      }
      shape = shape(stream, domain, tags, in);
    }
    return new CdnPurge(shape, DeliveryTracker.untracked(), usableUrl(url), millis, requestId, true, msb, lsb);
  }

  /** Version 1, as the spool wrote it before version 2: records an earlier run left. */
  private PendingEvent decode1(String stream, ByteBuffer in) {
    long millis = millis(in.getLong());
    long msb = in.getLong();
    long lsb = in.getLong();
    String url = getString(in);
    String requestId = getString(in);
    String domain = getString(in);
    int n = tagCount(in.getInt());
    List<String> tags = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String t = getString(in);
      if (t == null) {
        throw new IllegalArgumentException("missing tag");
      }
      tags.add(t);
    }
    return new CdnPurge(shape(stream, domain, tags, in), DeliveryTracker.untracked(), usableUrl(url), millis,
        requestId, true, msb, lsb);
  }

  private static long millis(long millis) {
    if (millis < 0 || millis > CdnPurgeRelayer.MAX_EPOCH_MILLIS) {
      throw new IllegalArgumentException("timestamp out of range: " + millis);
    }
    return millis;
  }

  /** {@code url} if the relayer would have accepted it (so the worker can build the event); else refused. */
  private static String usableUrl(String url) {
    if (url == null || url.isEmpty() || url.length() > UrlCheck.MAX_LENGTH) {
      throw new IllegalArgumentException("no usable url");
    }
    String problem = UrlCheck.problem(url);
    if (problem != null) {
      throw new IllegalArgumentException("url: " + problem);
    }
    return url;
  }

  private static int tagCount(int n) {
    if (n < 0 || n > MAX_TAGS) {
      throw new IllegalArgumentException("tag count " + n);
    }
    return n;
  }

  /** The shape just read, once nothing follows it; kept for the next record (see {@link #lastShape}). */
  private CdnPurge.Shape shape(String stream, String domain, List<String> tags, ByteBuffer in) {
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " bytes after the purge record");
    }
    CdnPurge.Shape shape = new CdnPurge.Shape(stream, domain, tags);
    lastShape = shape;
    return shape;
  }

  /** The relayer's part of every record: domain and tags (version 2). */
  static byte[] encodeShape(String domain, List<String> tags) {
    int max = 2 * MAX_VARINT_BYTES + (domain == null ? 0 : domain.length() * 3);
    for (String t : tags) {
      max += MAX_VARINT_BYTES + t.length() * 3;
    }
    ByteBuffer b = ByteBuffer.allocate(max);
    if (domain == null) {
      b.put((byte) 0);
    } else {
      byte[] d = domain.getBytes(StandardCharsets.UTF_8);
      putVarInt(b, d.length + 1);
      b.put(d);
    }
    putVarInt(b, tags.size());
    for (String t : tags) {
      putVarString(b, t, 0);
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  /**
   * Writes {@code s} from char {@code from} as a varint length and UTF-8; the chars before {@code from} must be
   * ASCII (one byte each). One {@code getBytes} (for a Latin-1 string without a byte over 0x7F, a vectorized check
   * and an array copy) and one bulk put: faster than a loop over the chars, through {@code put(byte)} or straight
   * into the buffer's array, though it allocates the copy (docs/spool.md, "Measurements", 2026-12-03).
   */
  static void putVarString(ByteBuffer out, String s, int from) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    putVarInt(out, utf8.length - from);
    out.put(utf8, from, utf8.length - from);
  }

  static void putVarInt(ByteBuffer out, int v) {
    putVarLong(out, v & 0xffffffffL);
  }

  static void putVarLong(ByteBuffer out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.put((byte) v);
  }

  /** A varint of at most 5 bytes that fits a non-negative int. */
  static int getVarInt(ByteBuffer in) {
    long v = getVarLong(in, MAX_VARINT_BYTES);
    if (v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("varint out of range: " + v);
    }
    return (int) v;
  }

  static long getVarLong(ByteBuffer in) {
    return getVarLong(in, MAX_VARLONG_BYTES);
  }

  private static long getVarLong(ByteBuffer in, int maxBytes) {
    long v = 0;
    for (int i = 0; i < maxBytes; i++) {
      int b = in.get();
      if (i == MAX_VARLONG_BYTES - 1 && (b & 0x7f) > 1) { // the 10th byte holds bit 63 only
        throw new IllegalArgumentException("varint past 64 bits");
      }
      v |= (long) (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("varint longer than " + maxBytes + " bytes");
  }

  private static String getVarString(ByteBuffer in, int n) {
    if (n > in.remaining()) {
      throw new IllegalArgumentException("string length " + n);
    }
    byte[] b = new byte[n]; // any buffer: heap, direct, read-only or a slice
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
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
