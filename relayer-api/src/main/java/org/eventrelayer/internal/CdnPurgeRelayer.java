package org.eventrelayer.internal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;

/**
 * Turns purged URLs into {@code resource_change} 1.0.0 events, one per distinct URL in a call, as MediaWiki's
 * {@code CdnPurgeEventRelayer} does, but with {@code meta.dt} always set. Input events are
 * {@code {url, timestamp?, request_id?}}; it serves only the channel it is configured under.
 */
final class CdnPurgeRelayer extends ServiceRelayer {

  static final long MAX_EPOCH_MILLIS = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();

  private final String channel;
  private final CdnPurge.Shape shape;

  CdnPurgeRelayer(String channel, String stream, String domain, List<String> tags, EventService service) {
    super(channel, CdnPurgeRelayerProvider.NAME, List.of(service));
    this.channel = channel;
    this.shape = new CdnPurge.Shape(stream, domain, tags);
  }

  @Override
  protected String checkChannel(String requested) {
    return requested.equals(channel) ? null
        : "the cdn-purge relayer configured for '" + channel + "' does not serve channel '" + requested + "'";
  }

  @Override
  boolean deduplicates() {
    return true;
  }

  @Override
  PendingEvent prepare(Object event, int index, DeliveryTracker tracker, List<Refusal> refusals) {
    if (!(event instanceof Map<?, ?> map)) {
      refusals.add(notAMap(index, event, "a map with a 'url'"));
      return null;
    }
    Object urlValue = map.get("url");
    if (urlValue == null || (urlValue instanceof CharSequence cs && cs.toString().isBlank())) {
      refusals.add(refusal(index, RefusalReason.MISSING_URL, "event has no 'url'"));
      return null;
    }
    if (!(urlValue instanceof CharSequence)) {
      refusals.add(refusal(index, RefusalReason.INVALID_URL,
          "'url' must be a string, got " + urlValue.getClass().getName()));
      return null;
    }
    String url = urlValue.toString();
    if (url.length() > UrlCheck.MAX_LENGTH) {
      refusals.add(refusal(index, RefusalReason.URL_TOO_LONG,
          "'url' has " + url.length() + " characters; at most " + UrlCheck.MAX_LENGTH + " are allowed"));
      return null;
    }
    String problem = UrlCheck.problem(url);
    if (problem != null) {
      refusals.add(refusal(index, RefusalReason.INVALID_URL, "'url' " + problem));
      return null;
    }
    long millis;
    Object ts = map.get("timestamp");
    if (ts == null) {
      millis = System.currentTimeMillis();
    } else {
      millis = epochMillis(ts);
      if (millis < 0) {
        refusals.add(refusal(index, RefusalReason.INVALID_EVENT, "'timestamp' must be epoch seconds, epoch "
            + "milliseconds or an ISO-8601 date-time between 1970 and 9999"));
        return null;
      }
    }
    String requestId = null;
    Object rid = map.get("request_id");
    if (rid != null) {
      if (!(rid instanceof CharSequence) && !(rid instanceof Number)) {
        refusals.add(refusal(index, RefusalReason.INVALID_EVENT, "'request_id' must be a string"));
        return null;
      }
      requestId = rid.toString();
      if (JsonSnapshot.unpairedSurrogate(requestId) >= 0) {
        refusals.add(refusal(index, RefusalReason.UNSERIALIZABLE, "'request_id' has an unpaired UTF-16 surrogate"));
        return null;
      }
      if (requestId.isBlank()) {
        requestId = null;
      }
    }
    return new CdnPurge(shape, tracker, url, millis, requestId);
  }

  /** Epoch millis from epoch seconds, epoch millis or ISO-8601; -1 if unusable. */
  static long epochMillis(Object ts) {
    long millis;
    if (ts instanceof Number n) {
      double d = n.doubleValue();
      if (!(d >= 0) || Double.isInfinite(d)) {
        return -1;
      }
      millis = d < 1e11 ? Math.round(d * 1000) : Math.round(d);
    } else if (ts instanceof CharSequence cs) {
      String s = cs.toString().trim();
      if (s.isEmpty()) {
        return -1;
      }
      if (s.chars().allMatch(Character::isDigit)) {
        if (s.length() > 15) {
          return -1;
        }
        return epochMillis(Long.parseLong(s));
      }
      try {
        millis = OffsetDateTime.parse(s).toInstant().toEpochMilli();
      } catch (DateTimeParseException | ArithmeticException e) {
        return -1;
      }
    } else {
      return -1;
    }
    return millis >= 0 && millis <= MAX_EPOCH_MILLIS ? millis : -1;
  }
}
