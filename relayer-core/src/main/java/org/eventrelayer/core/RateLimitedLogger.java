package org.eventrelayer.core;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a repeated condition at most once per interval per key, saying how many occurrences it held back. Keeps a
 * failing endpoint from flooding the host's log while still making every failure visible. Public for the library's own
 * modules (relayer-jobs, the spool, the purger); not part of the API.
 */
public final class RateLimitedLogger {

  private static final int MAX_KEYS = 1024;

  private final Logger logger;
  private final long intervalNanos;
  private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

  /**
   * Creates the logger.
   *
   * @param logger where to log
   * @param interval the least time between two lines of the same key
   */
  public RateLimitedLogger(Logger logger, Duration interval) {
    this.logger = logger;
    this.intervalNanos = interval.toNanos();
  }

  /**
   * Logs at WARN unless a line of the same key was logged less than an interval ago; a held-back line is counted
   * and the count is appended to the next line of that key.
   */
  public void warn(String key, String format, Object... args) {
    if (!logger.isWarnEnabled()) {
      return;
    }
    long suppressed = admit(key);
    if (suppressed >= 0) {
      logger.warn(suppressed == 0 ? format : format + " (+" + suppressed + " similar in the last interval)", args);
    }
  }

  /** Like {@link #warn} at ERROR. */
  public void error(String key, String format, Object... args) {
    if (!logger.isErrorEnabled()) {
      return;
    }
    long suppressed = admit(key);
    if (suppressed >= 0) {
      logger.error(suppressed == 0 ? format : format + " (+" + suppressed + " similar in the last interval)", args);
    }
  }

  /** Returns -1 to hold the line back, else how many lines of the key were held back since the last one. */
  private long admit(String key) {
    if (windows.size() > MAX_KEYS && !windows.containsKey(key)) {
      windows.clear(); // keys come from a small, fixed vocabulary; this only guards against misuse
    }
    Window w = windows.computeIfAbsent(key, k -> new Window());
    long now = System.nanoTime();
    long last = w.lastLoggedNanos.get();
    if (last != Long.MIN_VALUE && now - last < intervalNanos) {
      w.suppressed.incrementAndGet();
      return -1;
    }
    if (!w.lastLoggedNanos.compareAndSet(last, now)) {
      w.suppressed.incrementAndGet();
      return -1;
    }
    return w.suppressed.getAndSet(0);
  }

  private static final class Window {
    final AtomicLong lastLoggedNanos = new AtomicLong(Long.MIN_VALUE);
    final AtomicLong suppressed = new AtomicLong();
  }
}
