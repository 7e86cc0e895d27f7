package org.eventrelayer.core;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One serialized event in a {@link Batch}. */
public final class BatchEvent {

  private final String stream;
  private final byte[] json;
  private final String id;
  private final Map<String, Object> fields;

  BatchEvent(String stream, byte[] json, String id, Map<String, Object> fields) {
    this.stream = stream;
    this.json = json;
    this.id = id;
    this.fields = fields;
  }

  /**
   * An event already serialized; for transports' own tests.
   *
   * @param stream its stream
   * @param json its compact UTF-8 JSON
   * @param id its {@code meta.id}, or {@code null}
   * @param fields its fields, or {@code null} if only the JSON is known
   */
  public static BatchEvent of(String stream, byte[] json, String id, Map<String, Object> fields) {
    return new BatchEvent(stream, json.clone(), id, fields);
  }

  /** The stream the event belongs to. */
  public String stream() {
    return stream;
  }

  /** The event as compact UTF-8 JSON. Do not modify. */
  public byte[] json() {
    return json;
  }

  /** The event's JSON as a string (allocates). */
  public String jsonString() {
    return new String(json, StandardCharsets.UTF_8);
  }

  /** The event's {@code meta.id}, or {@code null} if it has none. */
  public String id() {
    return id;
  }

  /**
   * The event's fields as built, or {@code null} if the event only exists in serialized form (e.g. replayed
   * from disk). Do not modify.
   */
  public Map<String, Object> fields() {
    return fields;
  }
}
