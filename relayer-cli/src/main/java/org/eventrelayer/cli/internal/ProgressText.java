package org.eventrelayer.cli.internal;

import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.eventrelayer.ServiceStats;

/**
 * The words of a progress report, shared by the terminal bar and the plain lines: the counts, and the state of
 * every service whose circuit breaker is not closed (with its last error, which never holds a secret).
 */
public final class ProgressText {

  private final PurgeCounters counters;
  private final Supplier<Map<String, ServiceStats>> services;

  /**
   * Creates the text source.
   *
   * @param counters the run's counters
   * @param services the group's service stats, read at each report
   */
  public ProgressText(PurgeCounters counters, Supplier<Map<String, ServiceStats>> services) {
    this.counters = counters;
    this.services = services;
  }

  /** {@code read N accepted N delivered N refused N dead-lettered N}. */
  public String counts() {
    return "read " + number(counters.read()) + " accepted " + number(counters.accepted())
        + " delivered " + number(counters.delivered()) + " refused " + number(counters.refused())
        + " dead-lettered " + number(counters.deadLettered());
  }

  /** {@code breaker NAME=STATE (last error)} for each service whose breaker is not closed, or "". */
  public String breakers() {
    StringBuilder sb = new StringBuilder();
    for (ServiceStats s : services.get().values()) {
      if (s.breakerState() != null && !"CLOSED".equals(s.breakerState())) {
        sb.append(sb.length() == 0 ? "breaker " : ", ").append(s.name()).append('=').append(s.breakerState());
        if (s.lastError() != null) {
          sb.append(" (").append(s.lastError()).append(')');
        }
      }
    }
    return sb.toString();
  }

  /** {@code 1,234,567}. */
  public static String number(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
