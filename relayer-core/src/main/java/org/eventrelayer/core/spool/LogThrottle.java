package org.eventrelayer.core.spool;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/** Logs a message of a kind at most once per interval: a repeated failure must not flood the host's log. */
final class LogThrottle {

  private final Logger logger;
  private final long intervalNanos;
  private final ConcurrentHashMap<String, AtomicLong> last = new ConcurrentHashMap<>();

  LogThrottle(Logger logger, Duration interval) {
    this.logger = logger;
    this.intervalNanos = interval.toNanos();
  }

  void warn(String kind, String format, Object... args) {
    if (admit(kind)) {
      logger.warn(format, args);
    }
  }

  void error(String kind, String format, Object... args) {
    if (admit(kind)) {
      logger.error(format, args);
    }
  }

  private boolean admit(String kind) {
    AtomicLong at = last.computeIfAbsent(kind, k -> new AtomicLong(System.nanoTime() - intervalNanos));
    long then = at.get();
    long now = System.nanoTime();
    return now - then >= intervalNanos && at.compareAndSet(then, now);
  }
}
