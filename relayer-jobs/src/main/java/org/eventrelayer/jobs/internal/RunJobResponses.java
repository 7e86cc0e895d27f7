package org.eventrelayer.jobs.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.eventrelayer.jobs.JobRunner;

/**
 * The bodies of the RunJob endpoint, shaped as MediaWiki's EventBus answers them: errors carry {@code message},
 * {@code httpCode} and {@code httpReason} (plus a few case-specific fields), a run job carries
 * {@code status}, {@code error}, {@code caught} and {@code timeMs}.
 */
public final class RunJobResponses {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> JSON_ONLY = Map.of("Content-Type", "application/json");

  private RunJobResponses() {}

  /** The standard reason phrase of the statuses this endpoint uses. */
  static String reason(int status) {
    switch (status) {
      case 200: return "OK";
      case 400: return "Bad Request";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 405: return "Method Not Allowed";
      case 413: return "Content Too Large";
      case 415: return "Unsupported Media Type";
      case 423: return "Locked";
      case 501: return "Not Implemented";
      case 503: return "Service Unavailable";
      default: return "Internal Server Error";
    }
  }

  /**
   * An error body: {@code {message, <extra...>, httpCode, httpReason}}.
   *
   * @param extra alternating field names and values (strings, or collections of strings)
   */
  public static JobRunner.Response error(int status, String message, Object... extra) {
    return error(status, message, JSON_ONLY, extra);
  }

  /** Like {@link #error(int, String, Object...)} with extra response headers. */
  public static JobRunner.Response error(int status, String message, Map<String, String> headers, Object... extra) {
    ObjectNode body = JSON.createObjectNode();
    body.put("message", message);
    for (int i = 0; i + 1 < extra.length; i += 2) {
      String field = (String) extra[i];
      Object value = extra[i + 1];
      if (value instanceof Collection<?> values) {
        ArrayNode array = body.putArray(field);
        values.forEach(v -> array.add(String.valueOf(v)));
      } else if (value instanceof Number n) {
        body.put(field, n.longValue());
      } else {
        body.put(field, value == null ? null : value.toString());
      }
    }
    body.put("httpCode", status);
    body.put("httpReason", reason(status));
    return new JobRunner.Response(status, write(body), headers);
  }

  /** The 200 answer after running a job. */
  public static JobRunner.Response ran(boolean status, String error, List<String> caught, long timeMs) {
    ObjectNode body = JSON.createObjectNode();
    body.put("status", status);
    body.put("error", error);
    ArrayNode array = body.putArray("caught");
    caught.forEach(array::add);
    body.put("timeMs", timeMs);
    return new JobRunner.Response(200, write(body), JSON_ONLY);
  }

  private static String write(ObjectNode body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a tree of strings and numbers", e); // cannot happen
    }
  }
}
