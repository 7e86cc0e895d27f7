package org.eventrelayer.core;

/**
 * Receives every event a service gives up on. Configured per service with {@code deadLetterHandler: <class>} (a
 * public class with a public no-argument constructor); the default, {@link LoggingDeadLetterHandler}, logs a
 * rate-limited summary. Called on the service's worker thread: keep it quick and do not throw (what it throws is
 * logged and ignored).
 */
public interface DeadLetterHandler {

  /** Handles one dead letter. */
  void handle(DeadLetter letter);
}
