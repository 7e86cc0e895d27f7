package org.eventrelayer.cdn;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import okhttp3.Headers;

/**
 * What a provider's answer says about its rate limit: {@code Retry-After} (seconds or an HTTP date),
 * {@code X-RateLimit-Remaining} / {@code Fastly-RateLimit-Remaining} (requests left),
 * {@code X-RateLimit-Remaining-Objects} (Akamai: URLs left) and {@code X-RateLimit-Reset} /
 * {@code Fastly-RateLimit-Reset} (when the window resets: a Unix time when above 10^9, else seconds from now).
 * Absent or unreadable values are {@code null}: a malformed header never fails a purge.
 *
 * @param retryAfter how long to wait before the next request, or {@code null}
 * @param remaining requests left in the provider's bucket, or {@code null}
 * @param remainingObjects objects (URLs) left in the provider's bucket, or {@code null}
 * @param untilReset how long until the provider's window resets, or {@code null}
 */
record RateLimitSignals(Duration retryAfter, Long remaining, Long remainingObjects, Duration untilReset) {

  private static final Duration MAX_WAIT = Duration.ofHours(1);

  /** Reads the headers of one answer, {@code now} being when it arrived. */
  static RateLimitSignals from(Headers headers, Instant now) {
    Duration retryAfter = retryAfter(headers.get("Retry-After"), now);
    Long remaining = number(first(headers, "X-RateLimit-Remaining", "Fastly-RateLimit-Remaining"));
    Long remainingObjects = number(headers.get("X-RateLimit-Remaining-Objects"));
    Duration untilReset = reset(number(first(headers, "X-RateLimit-Reset", "Fastly-RateLimit-Reset")), now);
    return new RateLimitSignals(retryAfter, remaining, remainingObjects, untilReset);
  }

  /** How long the provider told us to stay away: Retry-After, else the reset time when nothing remains. */
  Duration pause() {
    if (retryAfter != null) {
      return retryAfter;
    }
    if (remaining != null && remaining <= 0 && untilReset != null) {
      return untilReset;
    }
    return null;
  }

  /** Applies the signals to the local buckets ({@code objects} may be {@code null}). */
  void steer(TokenBucket requests, TokenBucket objects) {
    if (remaining != null && requests != null) {
      requests.atMost(remaining);
    }
    if (remainingObjects != null && objects != null) {
      objects.atMost(remainingObjects);
    }
    Duration pause = pause();
    if (pause != null && !pause.isZero()) {
      if (requests != null) {
        requests.closeFor(pause.toNanos());
      }
      if (objects != null && retryAfter != null) {
        objects.closeFor(pause.toNanos());
      }
    }
  }

  private static String first(Headers headers, String a, String b) {
    String v = headers.get(a);
    return v != null ? v : headers.get(b);
  }

  static Duration retryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      double seconds = Double.parseDouble(v);
      return seconds < 0 || Double.isNaN(seconds) ? null : cap(Duration.ofMillis((long) (seconds * 1000)));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return at.isAfter(now) ? cap(Duration.between(now, at)) : Duration.ZERO;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }

  private static Duration reset(Long value, Instant now) {
    if (value == null || value < 0) {
      return null;
    }
    if (value > 1_000_000_000L) {
      long delta = value - now.getEpochSecond();
      return delta <= 0 ? Duration.ZERO : cap(Duration.ofSeconds(delta));
    }
    return cap(Duration.ofSeconds(value));
  }

  private static Duration cap(Duration d) {
    return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
  }

  private static Long number(String value) {
    if (value == null) {
      return null;
    }
    try {
      return (long) Math.floor(Double.parseDouble(value.trim()));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
