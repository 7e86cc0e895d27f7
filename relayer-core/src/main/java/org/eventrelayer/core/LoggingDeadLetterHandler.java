package org.eventrelayer.core;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link DeadLetterHandler}: a WARN summary at most every 30 seconds per service and reason class,
 * and each event's JSON at DEBUG on logger {@code org.eventrelayer.deadletter} for operators who need to replay.
 */
public final class LoggingDeadLetterHandler implements DeadLetterHandler {

  private static final Logger EVENTS = LoggerFactory.getLogger("org.eventrelayer.deadletter");
  private static final RateLimitedLogger SUMMARY =
      new RateLimitedLogger(LoggerFactory.getLogger(LoggingDeadLetterHandler.class), Duration.ofSeconds(30));

  /** Creates the handler. */
  public LoggingDeadLetterHandler() {}

  @Override
  public void handle(DeadLetter letter) {
    SUMMARY.warn(
        letter.service() + "|" + reasonClass(letter.reason()),
        "eventrelayer service '{}': dead-lettered events on stream '{}' after {} attempt(s): {}",
        letter.service(),
        letter.stream(),
        letter.attempts(),
        letter.reason());
    if (EVENTS.isDebugEnabled()) {
      EVENTS.debug("service={} stream={} reason={} event={}",
          letter.service(), letter.stream(), letter.reason(), letter.json());
    }
  }

  private static String reasonClass(String reason) {
    int colon = reason.indexOf(':');
    return colon > 0 ? reason.substring(0, colon) : reason;
  }
}
