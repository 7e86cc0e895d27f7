package org.eventrelayer.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HistogramTest {

  @Test
  void quantilesAreWithinTheBucketPrecision() {
    Histogram h = new Histogram();
    for (long v = 1; v <= 100_000; v++) {
      h.record(v * 1_000);
    }
    assertThat(h.count()).isEqualTo(100_000);
    assertThat(h.max()).isEqualTo(100_000_000);
    assertThat((double) h.quantile(0.5)).isCloseTo(50_000_000, within(50_000_000 * 0.07));
    assertThat((double) h.quantile(0.99)).isCloseTo(99_000_000, within(99_000_000 * 0.07));
    assertThat(h.quantile(1.0)).isEqualTo(100_000_000);
  }

  @Test
  void everyValueFallsInABucketWhoseBoundHoldsIt() {
    for (long v : new long[] {0, 1, 15, 16, 17, 31, 32, 1_000, 123_456_789, Long.MAX_VALUE / 2}) {
      int i = Histogram.index(v);
      assertThat(Histogram.upperBound(i)).isGreaterThanOrEqualTo(v);
      if (i > 0) {
        assertThat(Histogram.upperBound(i - 1)).isLessThan(v);
      }
    }
  }

  @Test
  void emptyHistogramSaysZero() {
    assertThat(new Histogram().quantile(0.99)).isZero();
  }
}
