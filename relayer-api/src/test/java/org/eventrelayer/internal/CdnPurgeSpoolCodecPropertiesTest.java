package org.eventrelayer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;

/**
 * The compact purge record ({@code cdn-purge/1}) like a storage format: random purges (URLs and request ids with
 * any Unicode, with or without a domain and tags) come back field for field and build the same event every time
 * they are decoded; truncated or bit-flipped records decode to a purge or fail with {@link IllegalArgumentException},
 * never with anything else. The same for the records of layout version 1, which spools written before version 2
 * still hold (written here by {@link #encodeVersion1}, the old encoder kept as the format's reference).
 */
class CdnPurgeSpoolCodecPropertiesTest {

  private static final CdnPurgeSpoolCodec CODEC = new CdnPurgeSpoolCodec();

  @Provide
  Arbitrary<CdnPurge> purges() {
    Arbitrary<String> text = Arbitraries.oneOf(
        Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(200),
        Arbitraries.strings().withCharRange('\u00a0', '\ud7ff').ofMinLength(1).ofMaxLength(60),
        Arbitraries.of("😀", "日本語", "Straße", "a\u0000b", "\u007f\u0080"));
    // URLs as the relayer accepts them (UrlCheck), with and without the "https://" the record leaves out
    Arbitrary<String> path = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9')
        .withChars("-._~:/?#[]@!$&'()*+,;=").ofMaxLength(200).map(t -> t.length() % 3 == 0 ? t + "%2F" : t);
    Arbitrary<String> hosts = Arbitraries.of("example.org", "user@example.org:8080", "[::1]", "x");
    Arbitrary<String> urls = Combinators.combine(Arbitraries.of("https://", "http://", "HTTPS://"), hosts, path)
        .as((scheme, host, t) -> scheme + host + "/" + t);
    Arbitrary<String> requestIds = text.injectNull(0.3);
    Arbitrary<String> domains = text.injectNull(0.5);
    Arbitrary<List<String>> tags = text.list().ofMaxSize(4);
    Arbitrary<Long> millis = Arbitraries.longs().between(0, CdnPurgeRelayer.MAX_EPOCH_MILLIS);
    return Combinators.combine(urls, requestIds, domains, tags, millis).as((url, rid, domain, t, ms) -> {
      assertThat(UrlCheck.problem(url)).isNull();
      return new CdnPurge(new CdnPurge.Shape("resource-purge", domain, t), new DeliveryTracker(), url, ms, rid);
    });
  }

  private static byte[] encode(PendingEvent p) {
    ByteBuffer out = ByteBuffer.allocate(CODEC.maxEncodedBytes(p));
    CODEC.encode(p, out);
    return Arrays.copyOf(out.array(), out.position());
  }

  private static CdnPurge decode(byte[] record) {
    return (CdnPurge) CODEC.decode("resource-purge", ByteBuffer.wrap(record));
  }

  /** Decodes {@code record} from a slice at an offset, read-only, and from direct memory: each must give {@code p}. */
  private static void assertEveryBufferGives(byte[] record, CdnPurge p) {
    byte[] padded = new byte[record.length + 3];
    System.arraycopy(record, 0, padded, 3, record.length);
    ByteBuffer direct = ByteBuffer.allocateDirect(record.length).put(record).flip();
    for (ByteBuffer in : List.of(ByteBuffer.wrap(padded, 3, record.length).slice(),
        ByteBuffer.wrap(record).asReadOnlyBuffer(), direct)) {
      assertSamePurge((CdnPurge) CODEC.decode("resource-purge", in), p);
    }
  }

  /** {@code back} carries every field of {@code p} that a record holds. */
  private static void assertSamePurge(CdnPurge back, CdnPurge p) {
    assertThat(back.url).isEqualTo(p.url);
    assertThat(back.requestId).isEqualTo(p.requestId);
    assertThat(back.millis).isEqualTo(p.millis);
    assertThat(back.shape.domain).isEqualTo(p.shape.domain);
    assertThat(back.shape.tags).isEqualTo(p.shape.tags);
  }

  /**
   * {@code record} cut at {@code bit} bytes (modulo its length) is refused with an {@link IllegalArgumentException};
   * with that bit flipped it decodes to a purge or is refused with a reason of its own, never anything else.
   */
  private static void assertDamageGivesAPurgeOrAnIllegalArgument(byte[] record, int bit) {
    byte[] truncated = Arrays.copyOf(record, bit % record.length);
    assertThatThrownBy(() -> decode(truncated)).isInstanceOf(IllegalArgumentException.class);
    byte[] flipped = record.clone();
    int i = bit % (record.length * 8);
    flipped[i / 8] ^= (byte) (1 << (i % 8));
    try {
      CdnPurge back = decode(flipped); // a different, still well-formed purge: the spool's CRC catches that
      assertThat(back.url).isNotNull();
      assertThat(back.shape.tags).doesNotContainNull();
      assertThat(back.build()).containsKey("meta"); // the worker can build whatever decodes
    } catch (IllegalArgumentException expected) {
      assertThat(expected).hasMessageNotContaining("Exception:"); // a reason of its own, not a wrapped crash
    }
  }

  /** A record of layout version 1, as the codec wrote it before version 2, with the given {@code meta.id}. */
  static byte[] encodeVersion1(CdnPurge p, long msb, long lsb) {
    ByteBuffer out = ByteBuffer.allocate(1 << 16);
    out.put((byte) 1).putLong(p.millis).putLong(msb).putLong(lsb);
    putVersion1String(out, p.url);
    putVersion1String(out, p.requestId);
    putVersion1String(out, p.shape.domain);
    out.putInt(p.shape.tags.size());
    p.shape.tags.forEach(t -> putVersion1String(out, t));
    return Arrays.copyOf(out.array(), out.position());
  }

  private static void putVersion1String(ByteBuffer out, String s) {
    if (s == null) {
      out.putInt(-1);
    } else {
      byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.putInt(b.length).put(b);
    }
  }

  @Property(tries = 400)
  void aRecordComesBackFieldForFieldAndBuildsTheSameEventEveryTime(@ForAll("purges") CdnPurge p) {
    assertThat(p.spoolCodec()).isSameAs(CdnPurgeSpoolCodec.INSTANCE);
    byte[] record = encode(p);
    CdnPurge back = decode(record);
    assertSamePurge(back, p);
    assertEveryBufferGives(record, p);
    assertThat(back.sizeHint()).isEqualTo(p.sizeHint());
    assertThat(back.coalesceKey()).isEqualTo(p.url);
    Map<String, Object> built = back.build();
    assertThat(decode(record).build()).isEqualTo(built).isEqualTo(back.build()); // deterministic
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = (Map<String, Object>) built.get("meta");
    UUID id = UUID.fromString((String) meta.get("id"));
    assertThat(id.version()).isEqualTo(4);
    assertThat(id.variant()).isEqualTo(2);
    assertThat(meta.get("dt")).isEqualTo(IsoMillis.format(p.millis));
    Map<String, Object> fresh = p.build(); // as memory mode builds it: the same but for its own meta.id
    @SuppressWarnings("unchecked")
    Map<String, Object> freshMeta = (Map<String, Object>) fresh.get("meta");
    freshMeta.put("id", meta.get("id"));
    assertThat(built).isEqualTo(fresh);
    assertThat(encode(p)).isNotEqualTo(record); // a new offer draws a new id
  }

  @Property(tries = 1000)
  void aTruncatedOrBitFlippedRecordGivesAPurgeOrAnIllegalArgumentNeverAnythingElse(@ForAll("purges") CdnPurge p,
      @ForAll @IntRange(min = 0, max = 1 << 20) int bit) {
    assertDamageGivesAPurgeOrAnIllegalArgument(encode(p), bit);
  }

  @Property(tries = 400)
  void aVersion1RecordAnEarlierRunLeftComesBackFieldForField(@ForAll("purges") CdnPurge p, @ForAll long msb,
      @ForAll long lsb) {
    byte[] record = encodeVersion1(p, msb, lsb);
    CdnPurge back = decode(record);
    assertSamePurge(back, p);
    assertEveryBufferGives(record, p);
    assertThat(back.idMsb).isEqualTo(msb);
    assertThat(back.idLsb).isEqualTo(lsb);
    assertThat(decode(record).build()).isEqualTo(back.build());
    assertThat(decode(encode(back)).build()).isNotEqualTo(back.build()); // re-encoded: same purge, a new id
  }

  @Property(tries = 400)
  void aDamagedVersion1RecordGivesAPurgeOrAnIllegalArgument(@ForAll("purges") CdnPurge p, @ForAll @IntRange(min = 0,
      max = 1 << 20) int bit) {
    assertDamageGivesAPurgeOrAnIllegalArgument(encodeVersion1(p, 1L, 2L), bit);
  }

  @Property(tries = 1000)
  void aVarintComesBackAndAnOverlongOneIsRefused(@ForAll long v, @ForAll @IntRange(min = 0) int n) {
    ByteBuffer b = ByteBuffer.allocate(16);
    CdnPurgeSpoolCodec.putVarLong(b, v);
    CdnPurgeSpoolCodec.putVarInt(b, n);
    b.flip();
    assertThat(CdnPurgeSpoolCodec.getVarLong(b)).isEqualTo(v);
    assertThat(CdnPurgeSpoolCodec.getVarInt(b)).isEqualTo(n);
    assertThat(b.hasRemaining()).isFalse();
    ByteBuffer overlong = ByteBuffer.wrap(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, 0});
    assertThatThrownBy(() -> CdnPurgeSpoolCodec.getVarInt(overlong)).isInstanceOf(IllegalArgumentException.class);
    ByteBuffer pastInt = ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});
    assertThatThrownBy(() -> CdnPurgeSpoolCodec.getVarInt(pastInt)).isInstanceOf(IllegalArgumentException.class);
    byte[] past64 = new byte[10];
    Arrays.fill(past64, 0, 9, (byte) 0x80);
    past64[9] = 0x02; // bit 64: a long has no room for it
    assertThatThrownBy(() -> CdnPurgeSpoolCodec.getVarLong(ByteBuffer.wrap(past64)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The layout version 2 defines for a string: its length in UTF-8 bytes as a varint, then those bytes. */
  @Property(tries = 1000)
  void aStringIsItsUtf8LengthThenItsUtf8BytesAfterAnAsciiPrefix(@ForAll String rest,
      @ForAll @IntRange(min = 0, max = 8) int prefix) {
    String s = "https://".substring(0, prefix) + rest;
    ByteBuffer out = ByteBuffer.allocate(16 + s.length() * 3);
    CdnPurgeSpoolCodec.putVarString(out, s, prefix);
    byte[] utf8 = rest.getBytes(StandardCharsets.UTF_8);
    ByteBuffer expected = ByteBuffer.allocate(16 + utf8.length);
    CdnPurgeSpoolCodec.putVarInt(expected, utf8.length);
    expected.put(utf8);
    assertThat(Arrays.copyOf(out.array(), out.position()))
        .isEqualTo(Arrays.copyOf(expected.array(), expected.position()));
  }

  @org.junit.jupiter.api.Test
  void aTypicalPurgeTakes67BytesWhereVersion1Took89() {
    CdnPurge p = new CdnPurge(new CdnPurge.Shape("resource-purge", null, List.of()), new DeliveryTracker(),
        "https://en.example.org/wiki/Benchmark_page_12345", 1_764_633_600_000L, null);
    assertThat(encode(p)).hasSize(67);
    assertThat(encodeVersion1(p, 1L, 2L)).hasSize(89);
    assertThat(decode(encode(p)).url).isEqualTo(p.url);
  }
}
