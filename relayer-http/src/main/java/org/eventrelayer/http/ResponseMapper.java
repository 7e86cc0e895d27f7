package org.eventrelayer.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.core.SendResult.Outcome;

/**
 * Turns an intake's answer into per-event outcomes, following the EventGate contract. The table of answers and
 * outcomes is the README's ("HTTP outcomes"), stated once there; in short:
 *
 * <ul>
 *   <li>2xx but 207: all delivered. 207: listed {@code invalid} dead-lettered, listed {@code error} retried, the
 *       rest delivered.
 *   <li>400 with lists: listed {@code invalid} dead-lettered, listed {@code error} retried (EventGate never lists
 *       one in a 400; another intake may, and {@code error} means transient), the rest dead-lettered: a 400 took
 *       none. 400 with another or an empty body: all dead-lettered.
 *   <li>500 with lists: as 207, but unlisted events are retried: a 500 took none. 500 request-level, other 5xx,
 *       429, 503 (no sooner than {@code Retry-After}), 3xx (never followed), other 4xx: all retried, a
 *       circuit-breaker failure ({@link SendResult#retryAll}).
 * </ul>
 *
 * <p><b>An answer that cannot be read or matched</b> (a 207 or 500 body over {@code maxResponseBytes}, a 207 that
 * is not an {@code {invalid, error}} object or lists nothing, a listed entry that matches no event of the batch):
 * the events it may concern get {@link SendResult.Outcome#UNKNOWN}. The engine then resends each of them once, in a
 * batch half the size, without counting an attempt: the intake may have stored some of them, so each unreadable
 * answer costs at most one duplicate per event, and halving narrows a too-large echo or an unmatched entry down to
 * readable answers about the one event concerned. Events matched to an entry keep their outcome. Never a valid
 * event dead-lettered because a neighbour's entry could not be read.
 *
 * <p><b>Other 4xx are retried, not dead-lettered.</b> EventGate answers only 400 for bad events; a 401, 403, 404,
 * 405, 408, 413 or 422 comes from the deployment around it (an expired token, a wrong path, a proxy's body limit)
 * and says nothing about the events themselves. Dead-lettering would throw away every event while an operator
 * fixes a token or a route; retrying counts as a circuit-breaker failure, the failure is visible in stats and logs
 * with a reason that names the status, and the retry limits ({@code retry.maxAttempts} / {@code retry.maxAge})
 * still dead-letter them in the end if the problem is never fixed.
 */
final class ResponseMapper {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_DETAIL = 160;
  private static final long MAX_RETRY_AFTER_SECONDS = SendResult.MAX_RETRY_AFTER.toSeconds();

  private static final Map<Integer, String> PHRASES = Map.ofEntries(
      Map.entry(200, "OK"), Map.entry(201, "Created"), Map.entry(202, "Accepted"), Map.entry(204, "No Content"),
      Map.entry(207, "Multi-Status"), Map.entry(301, "Moved Permanently"), Map.entry(302, "Found"),
      Map.entry(303, "See Other"), Map.entry(307, "Temporary Redirect"), Map.entry(308, "Permanent Redirect"),
      Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(403, "Forbidden"),
      Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"), Map.entry(408, "Request Timeout"),
      Map.entry(409, "Conflict"), Map.entry(410, "Gone"), Map.entry(413, "Content Too Large"),
      Map.entry(415, "Unsupported Media Type"), Map.entry(422, "Unprocessable Content"),
      Map.entry(429, "Too Many Requests"), Map.entry(500, "Internal Server Error"), Map.entry(502, "Bad Gateway"),
      Map.entry(503, "Service Unavailable"), Map.entry(504, "Gateway Timeout"));

  private final long maxResponseBytes;

  ResponseMapper(long maxResponseBytes) {
    this.maxResponseBytes = maxResponseBytes;
  }

  /** Whether the mapping of {@code code} depends on the body (so the transport reads it, bounded). */
  static boolean needsBody(int code) {
    return code == 207 || code == 400 || code == 500;
  }

  /** What the transport read of the response. */
  record Answer(int code, String phrase, String retryAfter, String location, byte[] body, boolean bodyTooLarge) {}

  /**
   * Maps one answer.
   *
   * @param batch the batch that was sent
   * @param answer the status, headers and (for {@link #needsBody} codes) the body
   * @param now the current time, to turn a {@code Retry-After} date into a delay
   */
  SendResult map(Batch batch, Answer answer, Instant now) {
    int code = answer.code();
    String status = status(code, answer.phrase());
    if (code == 207) {
      return multiStatus(batch, answer, status);
    }
    if (code >= 200 && code < 300) {
      return SendResult.delivered();
    }
    if (code >= 300 && code < 400) {
      String to = safeLocation(answer.location());
      return SendResult.retryAll(status + ": redirect" + (to == null ? "" : " to " + to)
          + " not followed; fix the service's url");
    }
    if (code == 400) {
      return badRequest(batch, answer, status);
    }
    if (code == 429 || code == 503) {
      Duration after = parseRetryAfter(answer.retryAfter(), now);
      return after == null ? SendResult.retryAll(status) : SendResult.retryAll(status, after);
    }
    if (code > 400 && code < 500) {
      return SendResult.retryAll(status + " (check the service's url and headers)");
    }
    if (code == 500) {
      return serverError(batch, answer, status);
    }
    if (code > 500 && code < 600) {
      return SendResult.retryAll(status);
    }
    return SendResult.retryAll("http " + code + ": unexpected status");
  }

  private SendResult multiStatus(Batch batch, Answer answer, String status) {
    if (answer.bodyTooLarge()) {
      return SendResult.unknownAll(status + ": body over maxResponseBytes (" + maxResponseBytes
          + "), cannot tell which events failed");
    }
    JsonNode body = parse(answer.body());
    if (!hasLists(body)) {
      return SendResult.unknownAll(status + ": body is not an {invalid, error} object, cannot tell which events "
          + "failed");
    }
    return perEvent(batch, body, status, Outcome.DELIVERED);
  }

  private SendResult badRequest(Batch batch, Answer answer, String status) {
    if (answer.bodyTooLarge()) {
      return SendResult.invalidAll(status + " (body over maxResponseBytes)");
    }
    if (answer.body() == null || isBlank(answer.body())) {
      return SendResult.invalidAll("client bug: intake answered 400 with empty body (it does so for an empty "
          + "body, [] or a wrong Content-Type)");
    }
    JsonNode body = parse(answer.body());
    if (hasLists(body)) {
      return perEvent(batch, body, status, Outcome.INVALID);
    }
    return SendResult.invalidAll(status + detail(body));
  }

  private SendResult serverError(Batch batch, Answer answer, String status) {
    if (answer.bodyTooLarge()) {
      // EventGate's request-level errors are small: an answer this large is a list of failed events.
      return SendResult.unknownAll(status + ": body over maxResponseBytes (" + maxResponseBytes
          + "), cannot tell which events failed");
    }
    JsonNode body = parse(answer.body());
    if (hasLists(body)) {
      return perEvent(batch, body, status, Outcome.RETRY);
    }
    return SendResult.retryAll(status + detail(body));
  }

  /**
   * Applies the {@code invalid} and {@code error} lists of {@code body} to the batch; events not listed get
   * {@code unlisted}, unless some entry could not be matched and {@code unlisted} is DELIVERED: then nobody can
   * tell which unlisted event the entry stood for, and they are all UNKNOWN.
   */
  private static SendResult perEvent(Batch batch, JsonNode body, String status, Outcome unlisted) {
    int n = batch.size();
    Outcome[] outcome = new Outcome[n];
    String[] reason = new String[n];
    FailureMatcher matcher = new FailureMatcher(batch);
    int listed = 0;
    int unmatched = 0;
    for (String list : new String[] {"invalid", "error"}) {
      JsonNode entries = body.get(list);
      if (entries == null || !entries.isArray()) {
        continue;
      }
      Outcome o = list.equals("invalid") ? Outcome.INVALID : Outcome.RETRY;
      for (JsonNode entry : entries) {
        listed++;
        int index = matcher.match(entry.isObject() ? entry.get("event") : null);
        if (index < 0) {
          unmatched++;
        } else {
          outcome[index] = o;
          reason[index] = entryReason(status, list, entry);
        }
      }
    }
    if (listed == 0 && unlisted == Outcome.DELIVERED) {
      return SendResult.unknownAll(status + ": lists no failed event, cannot tell which events failed");
    }
    SendResult.Builder result = SendResult.builder(n);
    String rest;
    Outcome restOutcome;
    if (unmatched > 0 && unlisted == Outcome.DELIVERED) {
      restOutcome = Outcome.UNKNOWN;
      rest = status + ": " + unmatched + " listed failure(s) match no event sent; resending the unlisted events "
          + "in smaller batches";
    } else {
      restOutcome = unlisted;
      rest = unlisted == Outcome.INVALID ? status + ": the intake rejected the whole request"
          : status + ": not accepted";
    }
    for (int i = 0; i < n; i++) {
      Outcome o = outcome[i] != null ? outcome[i] : restOutcome;
      String why = outcome[i] != null ? reason[i] : rest;
      if (o == Outcome.INVALID) {
        result.invalid(i, why);
      } else if (o == Outcome.RETRY) {
        result.retry(i, why);
      } else if (o == Outcome.UNKNOWN) {
        result.unknown(i, why);
      }
    }
    return result.build();
  }

  private static String entryReason(String status, String list, JsonNode entry) {
    JsonNode st = entry.get("status");
    String code = st != null && st.canConvertToInt() ? " " + st.asInt() : "";
    String detail = summarize(entry.get("context"));
    return status + ": " + list + code + (detail.isEmpty() ? "" : ": " + detail);
  }

  private static boolean hasLists(JsonNode body) {
    if (body == null || !body.isObject()) {
      return false;
    }
    JsonNode invalid = body.get("invalid");
    JsonNode error = body.get("error");
    return (invalid != null && invalid.isArray()) || (error != null && error.isArray());
  }

  private static JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code ": <detail>"} from a request-level error body ({@code detail}, {@code title}), or empty. */
  private static String detail(JsonNode body) {
    if (body == null || !body.isObject()) {
      return "";
    }
    for (String field : new String[] {"detail", "title", "message"}) {
      JsonNode v = body.get(field);
      if (v != null && v.isTextual() && !v.asText().isBlank()) {
        return ": " + clean(v.asText());
      }
    }
    return "";
  }

  /** A short, single-line description of an entry's {@code context}. */
  static String summarize(JsonNode context) {
    if (context == null || context.isNull() || context.isMissingNode()) {
      return "";
    }
    if (context.isTextual()) {
      return clean(context.asText());
    }
    if (context.isObject()) {
      for (String field : new String[] {"errorsText", "message", "detail", "title"}) {
        JsonNode v = context.get(field);
        if (v != null && v.isTextual() && !v.asText().isBlank()) {
          return clean(v.asText());
        }
      }
      JsonNode errors = context.get("errors");
      if (errors != null && errors.isArray() && errors.size() > 0) {
        JsonNode m = errors.get(0).get("message");
        if (m != null && m.isTextual()) {
          return clean(m.asText());
        }
      }
    }
    try {
      return clean(JSON.writeValueAsString(context));
    } catch (JsonProcessingException e) {
      return "";
    }
  }

  /** One line, no control characters, at most {@value #MAX_DETAIL} characters (then "..."). */
  static String clean(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_DETAIL + 4));
    boolean space = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || Character.isWhitespace(c)) {
        space = b.length() > 0;
        continue;
      }
      if (b.length() >= MAX_DETAIL) {
        return b.append("...").toString();
      }
      if (space) {
        b.append(' ');
        space = false;
      }
      b.append(c);
    }
    return b.toString();
  }

  /** The standard reason phrase of {@code code}, or empty. */
  static String standardPhrase(int code) {
    return PHRASES.getOrDefault(code, "");
  }

  /** {@code http 503 Service Unavailable}: the code and the reason phrase (or the standard one). */
  static String status(int code, String phrase) {
    String p = phrase == null ? "" : clean(phrase);
    if (p.isEmpty()) {
      p = PHRASES.getOrDefault(code, "");
    }
    return "http " + code + (p.isEmpty() ? "" : " " + p);
  }

  /** A redirect target without query, fragment or user info, or {@code null}. */
  private static String safeLocation(String location) {
    if (location == null || location.isBlank()) {
      return null;
    }
    String s = location.trim();
    int cut = s.length();
    for (char c : new char[] {'?', '#'}) {
      int i = s.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    s = s.substring(0, cut);
    int scheme = s.indexOf("://");
    int at = s.indexOf('@');
    if (scheme >= 0 && at > scheme) {
      int slash = s.indexOf('/', scheme + 3);
      if (slash < 0 || at < slash) {
        s = s.substring(0, scheme + 3) + s.substring(at + 1);
      }
    }
    return clean(s);
  }

  /**
   * A {@code Retry-After} value as a delay: delay-seconds or an HTTP-date (RFC 1123), at most
   * {@link SendResult#MAX_RETRY_AFTER} (the engine's cap, stated once), never negative.
   *
   * @return the delay, or {@code null} if absent or unreadable
   */
  static Duration parseRetryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    if (v.chars().allMatch(Character::isDigit)) {
      if (v.length() > 9) {
        return Duration.ofSeconds(MAX_RETRY_AFTER_SECONDS);
      }
      return Duration.ofSeconds(Math.min(Long.parseLong(v), MAX_RETRY_AFTER_SECONDS));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      if (d.isNegative()) {
        return Duration.ZERO;
      }
      return d.getSeconds() > MAX_RETRY_AFTER_SECONDS ? Duration.ofSeconds(MAX_RETRY_AFTER_SECONDS) : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }
}
