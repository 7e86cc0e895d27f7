package org.eventrelayer.spring.boot.autoconfigure.outbox;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.eventrelayer.outbox.OutboxStats;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of an outbox: DOWN when its oldest pending row (of every host sharing the table) has waited longer
 * than a threshold, or when the table cannot be read; UP otherwise. Details: {@code table}, {@code pending},
 * {@code oldestPendingAge} (ISO-8601), and this instance's {@code written}, {@code relayed}, {@code coalesced},
 * {@code deadLettered}, {@code relayErrors}. Each check runs one query of the table.
 */
public final class OutboxHealthIndicator implements HealthIndicator {

  private final String table;
  private final Supplier<OutboxStats> stats;
  private final Duration maxPendingAge;

  /**
   * Creates the indicator.
   *
   * @param table the outbox's table, for the details
   * @param stats reads the outbox's stats, e.g. {@code outbox::stats}
   * @param maxPendingAge the oldest pending row may wait this long before the outbox is DOWN
   */
  public OutboxHealthIndicator(String table, Supplier<OutboxStats> stats, Duration maxPendingAge) {
    this.table = Objects.requireNonNull(table, "table");
    this.stats = Objects.requireNonNull(stats, "stats");
    this.maxPendingAge = Objects.requireNonNull(maxPendingAge, "maxPendingAge");
  }

  @Override
  public Health health() {
    OutboxStats s = stats.get();
    Health.Builder h;
    if (s.pending() < 0) {
      h = Health.down().withDetail("reason", "the outbox table could not be read");
    } else if (s.oldestPendingAge().compareTo(maxPendingAge) > 0) {
      h = Health.down().withDetail("reason", "oldest pending row waited " + s.oldestPendingAge()
          + ", more than max-outbox-pending-age " + maxPendingAge);
    } else {
      h = Health.up();
    }
    return h.withDetail("table", table)
        .withDetail("pending", s.pending())
        .withDetail("oldestPendingAge", s.oldestPendingAge().toString())
        .withDetail("written", s.written())
        .withDetail("relayed", s.relayed())
        .withDetail("coalesced", s.coalesced())
        .withDetail("deadLettered", s.deadLettered())
        .withDetail("relayErrors", s.relayErrors())
        .build();
  }
}
