package org.eventrelayer;

/** Why an event was refused at {@code notify} time, before it was accepted. */
public enum RefusalReason {
  /** The channel was {@code null} or blank. */
  INVALID_CHANNEL("invalid-channel"),
  /** The relayer does not serve this channel (e.g. a cdn-purge relayer asked to relay another channel). */
  WRONG_CHANNEL("wrong-channel"),
  /** The event was {@code null}, not a map, or not shaped as the relayer requires. */
  INVALID_EVENT("invalid-event"),
  /** A purge event had no {@code url}, or a blank one. */
  MISSING_URL("missing-url"),
  /** A purge URL was not an absolute http(s) URL. */
  INVALID_URL("invalid-url"),
  /** A purge URL was longer than the schema allows (8192 characters). */
  URL_TOO_LONG("url-too-long"),
  /** A value could not be written as JSON (unsupported type, unpaired UTF-16 surrogate, cycle, non-string key). */
  UNSERIALIZABLE("unserializable"),
  /** The event alone is larger than the largest batch the service may send. */
  EVENT_TOO_LARGE("event-too-large"),
  /** The service's bounded queue was full and its overflow policy is {@code drop}. */
  QUEUE_FULL("queue-full"),
  /** The relayer or its service was closed. */
  CLOSED("closed");

  private final String code;

  RefusalReason(String code) {
    this.code = code;
  }

  /** The stable, lower-case code of this reason, as used in logs, stats and metrics. */
  public String code() {
    return code;
  }

  @Override
  public String toString() {
    return code;
  }
}
