package org.eventrelayer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
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
    Arbitrary<String> urls = text.map(t -> "https://example.org/" + t);
    Arbitrary<String> requestIds = text.injectNull(0.3);
    Arbitrary<String> domains = text.injectNull(0.5);
    Arbitrary<List<String>> tags = text.list().ofMaxSize(4);
    Arbitrary<Long> millis = Arbitraries.longs().between(0, CdnPurgeRelayer.MAX_EPOCH_MILLIS);
    return Combinators.combine(urls, requestIds, domains, tags, millis).as((url, rid, domain, t, ms) ->
        new CdnPurge(new CdnPurge.Shape("resource-purge", domain, t), new DeliveryTracker(), url, ms, rid));
  }

  private static byte[] encode(PendingEvent p) {
    ByteBuffer out = ByteBuffer.allocate(CODEC.maxEncodedBytes(p));
    CODEC.encode(p, out);
    return Arrays.copyOf(out.array(), out.position());
  }

  private static CdnPurge decode(byte[] record) {
    return (CdnPurge) CODEC.decode("resource-purge", ByteBuffer.wrap(record));
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
    assertThat(back.url).isEqualTo(p.url);
    assertThat(back.requestId).isEqualTo(p.requestId);
    assertThat(back.millis).isEqualTo(p.millis);
    assertThat(back.shape.domain).isEqualTo(p.shape.domain);
    assertThat(back.shape.tags).isEqualTo(p.shape.tags);
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

  @Property(tries = 400)
  void aTruncatedRecordIsRefusedWithIllegalArgument(@ForAll("purges") CdnPurge p, @ForAll @IntRange(min = 0,
      max = 10_000) int cut) {
    byte[] record = encode(p);
    byte[] truncated = Arrays.copyOf(record, cut % record.length);
    assertThatThrownBy(() -> decode(truncated)).isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 1000)
  void aFlippedBitGivesAPurgeOrAnIllegalArgumentNeverAnythingElse(@ForAll("purges") CdnPurge p,
      @ForAll @IntRange(min = 0, max = 1 << 20) int bit) {
    byte[] record = encode(p);
    int i = bit % (record.length * 8);
    record[i / 8] ^= (byte) (1 << (i % 8));
    try {
      CdnPurge back = decode(record); // a different, still well-formed purge: the spool's CRC catches that
      assertThat(back.url).isNotNull();
      assertThat(back.shape.tags).doesNotContainNull();
    } catch (IllegalArgumentException expected) {
      assertThat(expected).hasMessageNotContaining("Exception:"); // a reason of its own, not a wrapped crash
    }
  }

  @Property(tries = 400)
  void aVersion1RecordAnEarlierRunLeftComesBackFieldForField(@ForAll("purges") CdnPurge p, @ForAll long msb,
      @ForAll long lsb) {
    byte[] record = encodeVersion1(p, msb, lsb);
    CdnPurge back = decode(record);
    assertThat(back.url).isEqualTo(p.url);
    assertThat(back.requestId).isEqualTo(p.requestId);
    assertThat(back.millis).isEqualTo(p.millis);
    assertThat(back.shape.domain).isEqualTo(p.shape.domain);
    assertThat(back.shape.tags).isEqualTo(p.shape.tags);
    assertThat(back.idMsb).isEqualTo(msb);
    assertThat(back.idLsb).isEqualTo(lsb);
    assertThat(decode(record).build()).isEqualTo(back.build());
    assertThat(decode(encode(back)).build()).isNotEqualTo(back.build()); // re-encoded: same purge, a new id
  }

  @Property(tries = 400)
  void aDamagedVersion1RecordGivesAPurgeOrAnIllegalArgument(@ForAll("purges") CdnPurge p, @ForAll @IntRange(min = 0,
      max = 1 << 20) int bit) {
    byte[] record = encodeVersion1(p, 1L, 2L);
    byte[] truncated = Arrays.copyOf(record, bit % record.length);
    assertThatThrownBy(() -> decode(truncated)).isInstanceOf(IllegalArgumentException.class);
    int i = bit % (record.length * 8);
    record[i / 8] ^= (byte) (1 << (i % 8));
    try {
      assertThat(decode(record).url).isNotNull();
    } catch (IllegalArgumentException expected) {
      assertThat(expected).hasMessageNotContaining("Exception:");
    }
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
