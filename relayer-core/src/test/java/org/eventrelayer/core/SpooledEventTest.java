package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The head of a compact record: a stream name of up to 255 bytes takes one length byte (form 3), a longer one four
 * (form 2); records of form 2, which every spool held before form 3, still read back.
 */
class SpooledEventTest {

  private static final byte[] KIND = "cdn-purge/1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CODEC_BYTES = {7, 8, 9};

  private static byte[] compact(String stream, boolean awaited) {
    byte[] s = stream.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(SpooledEvent.compactHeaderBytes(s, KIND) + CODEC_BYTES.length);
    SpooledEvent.putCompactHeader(out, 1_764_633_600_123L, s, KIND, awaited);
    assertThat(out.position()).isEqualTo(SpooledEvent.compactHeaderBytes(s, KIND));
    return out.put(CODEC_BYTES).array();
  }

  private static void assertReadsBack(byte[] payload, String stream) {
    SpooledEvent e = SpooledEvent.decode(payload, new RecentNames());
    assertThat(e.acceptedMillis()).isEqualTo(1_764_633_600_123L);
    assertThat(e.stream()).isEqualTo(stream);
    assertThat(e.kind()).isEqualTo("cdn-purge/1");
    byte[] rest = new byte[e.compact().remaining()];
    e.compact().get(rest);
    assertThat(rest).isEqualTo(CODEC_BYTES);
  }

  @Test
  void aShortStreamNameTakesOneLengthByte() {
    byte[] payload = compact("resource-purge", true);
    assertThat(payload[0]).isEqualTo((byte) (SpooledEvent.COMPACT_SHORT_STREAM | SpooledEvent.AWAITED));
    assertThat(payload).hasSize(1 + 8 + 1 + "resource-purge".length() + 1 + KIND.length + CODEC_BYTES.length);
    assertThat(SpooledEvent.awaited(payload)).isTrue();
    assertThat(SpooledEvent.awaited(compact("resource-purge", false))).isFalse();
    assertReadsBack(payload, "resource-purge");
    String longest = "ü".repeat(127) + "x"; // 255 bytes of UTF-8
    assertThat(compact(longest, false)[0]).isEqualTo(SpooledEvent.COMPACT_SHORT_STREAM);
    assertReadsBack(compact(longest, false), longest);
  }

  @Test
  void aStreamNameOver255BytesKeepsForm2() {
    String stream = "s".repeat(256);
    byte[] payload = compact(stream, false);
    assertThat(payload[0]).isEqualTo(SpooledEvent.COMPACT);
    assertReadsBack(payload, stream);
  }

  @Test
  void aForm2RecordAnEarlierRunLeftReadsBack() {
    byte[] s = "resource-purge".getBytes(StandardCharsets.UTF_8);
    ByteBuffer old = ByteBuffer.allocate(1 + 8 + 4 + s.length + 1 + KIND.length + CODEC_BYTES.length);
    old.put((byte) (SpooledEvent.COMPACT | SpooledEvent.AWAITED)).putLong(1_764_633_600_123L).putInt(s.length).put(s)
        .put((byte) KIND.length).put(KIND).put(CODEC_BYTES);
    assertReadsBack(old.array(), "resource-purge");
    assertThat(SpooledEvent.awaited(old.array())).isTrue();
  }

  @Test
  void aShortStreamLengthPastTheEndIsRefused() {
    byte[] payload = compact("resource-purge", false);
    byte[] cut = Arrays.copyOf(payload, 1 + 8 + 1 + 5);
    assertThatThrownBy(() -> SpooledEvent.decode(cut, new RecentNames()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stream length");
  }
}
