package org.eventrelayer.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Builds, serializes and (with {@code signing.secret}) signs events. Stateless apart from its settings: used by the
 * worker, or on a caller's thread for a spooled event that has no compact record.
 */
final class EventBuilder {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final EngineSettings settings;

  EventBuilder(EngineSettings settings) {
    this.settings = settings;
  }

  /**
   * Sets {@code e.event}, or {@code e.failure} (and {@code e.failureJson} when it could be written) saying why the
   * event can never be sent.
   */
  void serialize(Entry e) {
    Map<String, Object> fields;
    byte[] json;
    try {
      fields = e.source.build();
      json = JSON.writeValueAsBytes(fields);
      if (settings.signer != null) {
        json = settings.signer.signJsonObject(json);
      }
    } catch (Exception | StackOverflowError ex) {
      e.failure = "unserializable: " + ex.getClass().getSimpleName() + ": " + ex.getMessage();
      return;
    }
    if (json.length + 2L > settings.maxBatchBytes) {
      e.failure = "event-too-large: " + json.length + " bytes can never fit a batch of at most "
          + settings.maxBatchBytes;
      e.failureJson = new String(json, StandardCharsets.UTF_8);
      return;
    }
    e.event = new BatchEvent(e.stream, json, metaId(fields), settings.signer == null ? fields : null);
  }

  /** Serializes {@code e} unless that was done (or failed) before; whether it can be sent. */
  boolean ensureBuilt(Entry e) {
    if (e.event == null && e.failure == null) {
      serialize(e);
    }
    return e.event != null;
  }

  private static String metaId(Map<String, Object> fields) {
    if (fields.get("meta") instanceof Map<?, ?> meta && meta.get("id") != null) {
      return meta.get("id").toString();
    }
    return null;
  }
}
