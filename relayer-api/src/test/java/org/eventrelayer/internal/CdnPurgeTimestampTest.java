package org.eventrelayer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CdnPurgeTimestampTest {

  @Test
  void readsEpochSecondsEpochMillisAndIso8601() {
    assertThat(CdnPurgeRelayer.epochMillis(1_795_000_000)).isEqualTo(1_795_000_000_000L);
    assertThat(CdnPurgeRelayer.epochMillis(1_795_000_000.5)).isEqualTo(1_795_000_000_500L);
    assertThat(CdnPurgeRelayer.epochMillis(1_795_000_000_123L)).isEqualTo(1_795_000_000_123L);
    assertThat(CdnPurgeRelayer.epochMillis("1795000000")).isEqualTo(1_795_000_000_000L);
    assertThat(CdnPurgeRelayer.epochMillis("2026-11-23T05:38:05.123Z")).isEqualTo(1_795_412_285_123L);
    assertThat(CdnPurgeRelayer.epochMillis("2026-11-23T06:38:05.123+01:00")).isEqualTo(1_795_412_285_123L);
  }

  @Test
  void refusesWhatIsNotATimeBetween1970And9999() {
    assertThat(CdnPurgeRelayer.epochMillis(-1)).isEqualTo(-1);
    assertThat(CdnPurgeRelayer.epochMillis(Double.NaN)).isEqualTo(-1);
    assertThat(CdnPurgeRelayer.epochMillis(Double.POSITIVE_INFINITY)).isEqualTo(-1);
    assertThat(CdnPurgeRelayer.epochMillis(Long.MAX_VALUE)).isEqualTo(-1);
    assertThat(CdnPurgeRelayer.epochMillis("tomorrow")).isEqualTo(-1);
    assertThat(CdnPurgeRelayer.epochMillis("")).isEqualTo(-1);
    assertThat(CdnPurgeRelayer.epochMillis("99999999999999999999")).isEqualTo(-1);
    assertThat(CdnPurgeRelayer.epochMillis(true)).isEqualTo(-1);
  }
}
