package org.eventrelayer.spi;

/**
 * Told about every request an event service sends (e.g. to time it for metrics). Called on the service's worker
 * thread right after the answer: keep it quick; what it throws is logged (rate-limited) and ignored.
 */
@FunctionalInterface
public interface SendListener {

  /** One request was answered (or failed). */
  void onSend(SendInfo send);

  /**
   * One request.
   *
   * @param service the event service's name
   * @param type its provider name
   * @param events events in the request
   * @param bytes the request's JSON array size
   * @param attempt 1 for a first send, more for a retry
   * @param durationNanos how long the exchange took
   * @param outcome how it went
   */
  record SendInfo(String service, String type, int events, long bytes, int attempt, long durationNanos,
      Outcome outcome) {}

  /** How a request went. */
  enum Outcome {
    /** Nothing is left to retry (events may still have been dead-lettered as invalid). */
    SUCCESS,
    /** The destination answered, but some events must be retried. */
    PARTIAL,
    /** The exchange failed as a whole (refused, timed out, reset, 5xx, ...). */
    FAILURE
  }
}
