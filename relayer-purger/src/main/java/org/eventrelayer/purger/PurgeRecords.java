package org.eventrelayer.purger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads one record of the purge topic as a {@code resource_change} event: its URL ({@code meta.uri}), its time
 * ({@code meta.dt}, else the record's timestamp) and {@code meta.request_id}. A record that is not such an event
 * is refused with a reason (it is dead-lettered; the partition goes on).
 */
final class PurgeRecords {

  /** What one record asks for. */
  record Request(String url, long eventMillis, String requestId) {}

  /** A record that cannot be purged, and why. */
  static final class BadRecord extends Exception {
    BadRecord(String reason) {
      super(reason, null, false, false);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_URL_LENGTH = 8192;

  private PurgeRecords() {}

  static Request read(ConsumerRecord<byte[], byte[]> record) throws BadRecord {
    if (record.value() == null || record.value().length == 0) {
      throw new BadRecord("empty record (no event)");
    }
    JsonNode event;
    try {
      event = JSON.readTree(record.value());
    } catch (IOException e) {
      throw new BadRecord("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (event == null || !event.isObject()) {
      throw new BadRecord("not a JSON object");
    }
    JsonNode meta = event.path("meta");
    JsonNode uri = meta.path("uri");
    if (!uri.isTextual() || uri.asText().isBlank()) {
      throw new BadRecord("no meta.uri: not a resource_change purge event");
    }
    String url = uri.asText();
    if (url.length() > MAX_URL_LENGTH) {
      throw new BadRecord("meta.uri has " + url.length() + " characters; at most " + MAX_URL_LENGTH);
    }
    checkUrl(url);
    long millis = record.timestamp();
    JsonNode dt = meta.path("dt");
    if (dt.isTextual()) {
      try {
        millis = OffsetDateTime.parse(dt.asText()).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new BadRecord("meta.dt is not an ISO-8601 date-time: " + dt.asText());
      }
    }
    JsonNode rid = meta.path("request_id");
    return new Request(url, millis, rid.isTextual() && !rid.asText().isBlank() ? rid.asText() : null);
  }

  private static void checkUrl(String url) throws BadRecord {
    try {
      URI u = new URI(url);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new BadRecord("meta.uri is not an http(s) URL: " + shown(url));
      }
      if (u.getHost() == null) {
        throw new BadRecord("meta.uri has no host: " + shown(url));
      }
    } catch (URISyntaxException e) {
      throw new BadRecord("meta.uri is not a valid URL (" + e.getReason() + "): " + shown(url));
    }
  }

  private static String shown(String url) {
    return url.length() > 200 ? url.substring(0, 200) + "..." : url;
  }

  /** Whether an event of {@code eventMillis} is older than {@code maxAgeMillis} at {@code now}. */
  static boolean tooOld(long eventMillis, long maxAgeMillis, Instant now) {
    return now.toEpochMilli() - eventMillis > maxAgeMillis;
  }
}
