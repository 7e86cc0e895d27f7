package org.eventrelayer.core.spool;

/** Why {@link MappedSpool#append} refused a record. Every refusal is counted ({@link MappedSpool#refused}). */
public enum Refusal {
  /** The segment files reached {@link SpoolSettings#maxBytes()}: nothing is freed until records become final. */
  FULL("spool-full"),
  /** The payload is larger than {@link SpoolSettings#maxPayloadBytes()}. */
  TOO_LARGE("event-too-large"),
  /** No segment could be prepared (an I/O error, logged), or the next one was not ready in time. */
  UNAVAILABLE("spool-unavailable"),
  /** The spool was closed. */
  CLOSED("spool-closed");

  private final String reason;

  Refusal(String reason) {
    this.reason = reason;
  }

  /** The reason as a short token, e.g. {@code spool-full}. */
  public String reason() {
    return reason;
  }

  /** The value {@link MappedSpool#append} returns for this refusal (negative). */
  public long code() {
    return -1 - ordinal();
  }

  /**
   * The refusal an {@link MappedSpool#append} result stands for.
   *
   * @param result a negative result of {@code append}
   */
  public static Refusal of(long result) {
    if (result >= 0 || result < -values().length) {
      throw new IllegalArgumentException("not a refusal: " + result);
    }
    return values()[(int) (-1 - result)];
  }
}
