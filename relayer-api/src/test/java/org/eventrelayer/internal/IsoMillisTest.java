package org.eventrelayer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written {@code meta.dt} format gives exactly what {@code DateTimeFormatter} gives, over its whole range. */
class IsoMillisTest {

  private static final DateTimeFormatter DT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static String reference(long millis) {
    return DT.format(Instant.ofEpochMilli(millis));
  }

  @Test
  void matchesTheFormatterAtTheEdgesAndOnLeapDays() {
    long[] cases = {0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000L /* 2000-02-29 */,
        1_709_164_799_999L /* 2024-02-28T23:59:59.999 */, 1_709_251_200_000L /* 2024-03-01 */,
        4_107_542_400_000L /* 2100-03-01, not a leap year */, CdnPurgeRelayer.MAX_EPOCH_MILLIS};
    for (long m : cases) {
      assertThat(IsoMillis.format(m)).as("%d", m).isEqualTo(reference(m));
    }
    assertThat(IsoMillis.format(CdnPurgeRelayer.MAX_EPOCH_MILLIS)).isEqualTo("9999-12-31T23:59:59.999Z");
  }

  @Test
  void matchesTheFormatterOnRandomInstants() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 200_000; i++) {
      long m = random.nextLong(CdnPurgeRelayer.MAX_EPOCH_MILLIS + 1);
      assertThat(IsoMillis.format(m)).isEqualTo(reference(m));
    }
  }

  @Test
  void aRepeatedMillisecondGivesTheSameTextAndANewOneItsOwn() {
    long a = 1_709_164_799_999L;
    long b = a + 1;
    assertThat(IsoMillis.format(a)).isEqualTo(reference(a));
    assertThat(IsoMillis.format(a)).isEqualTo(reference(a));
    assertThat(IsoMillis.format(b)).isEqualTo(reference(b)).isEqualTo("2024-02-29T00:00:00.000Z");
    assertThat(IsoMillis.format(a)).isEqualTo(reference(a));
  }

  @Test
  void refusesWhatThePurgeRelayerNeverAccepts() {
    assertThatThrownBy(() -> IsoMillis.format(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IsoMillis.format(CdnPurgeRelayer.MAX_EPOCH_MILLIS + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
