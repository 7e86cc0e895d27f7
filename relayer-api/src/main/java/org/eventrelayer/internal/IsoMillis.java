package org.eventrelayer.internal;

import java.time.LocalDate;

/**
 * Formats epoch milliseconds as {@code uuuu-MM-dd'T'HH:mm:ss.SSS'Z'} (UTC), the {@code meta.dt} of every purge.
 *
 * <p>Written out digit by digit because {@code DateTimeFormatter} was a top hot spot of the worker's per-event
 * work (a {@code ZonedDateTime} and a {@code BigDecimal} for the fraction, per event); the output is the same,
 * which {@code IsoMillisTest} checks against the formatter.
 */
final class IsoMillis {

  private static final long MILLIS_PER_DAY = 86_400_000L;

  /**
   * The last timestamp formatted: a worker builds a batch's events within a millisecond or two, so most calls
   * repeat the previous one. Immutable, so a racy read (any thread) sees a consistent pair.
   */
  private static Formatted last = new Formatted(-1, "");

  private record Formatted(long millis, String text) {}

  private IsoMillis() {}

  /**
   * The UTC timestamp of {@code millis}, e.g. {@code 2024-05-01T12:00:00.123Z}.
   *
   * @param millis from 0 (1970) to the last millisecond of year 9999
   */
  static String format(long millis) {
    if (millis < 0 || millis > CdnPurgeRelayer.MAX_EPOCH_MILLIS) {
      throw new IllegalArgumentException("epoch millis out of range 1970..9999: " + millis);
    }
    Formatted seen = last;
    if (seen.millis() == millis) {
      return seen.text();
    }
    String text = text(millis);
    last = new Formatted(millis, text);
    return text;
  }

  private static String text(long millis) {
    LocalDate date = LocalDate.ofEpochDay(millis / MILLIS_PER_DAY);
    int ms = (int) (millis % MILLIS_PER_DAY);
    byte[] out = new byte[24];
    digits(out, 0, date.getYear(), 4);
    out[4] = '-';
    digits(out, 5, date.getMonthValue(), 2);
    out[7] = '-';
    digits(out, 8, date.getDayOfMonth(), 2);
    out[10] = 'T';
    digits(out, 11, ms / 3_600_000, 2);
    out[13] = ':';
    digits(out, 14, ms / 60_000 % 60, 2);
    out[16] = ':';
    digits(out, 17, ms / 1000 % 60, 2);
    out[19] = '.';
    digits(out, 20, ms % 1000, 3);
    out[23] = 'Z';
    return new String(out, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Writes {@code value} as exactly {@code width} decimal digits, zero-padded, at {@code at}. */
  private static void digits(byte[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }
}
