package org.eventrelayer.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.eventrelayer.ServiceStats;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one event service: DOWN while its circuit breaker is not letting batches through (open, half-open
 * while a probe decides, forced open), or when its oldest queued event has waited longer than a threshold; UP
 * otherwise. Details: {@code type}, {@code breakerState}, {@code queued}, {@code oldestQueuedAge} (ISO-8601),
 * {@code delivered}, {@code deadLettered}, {@code dropped}, {@code refused}, and {@code lastError} with
 * {@code lastErrorAt} once a delivery failed (the message never holds secrets).
 */
public final class EventServiceHealthIndicator implements HealthIndicator {

  /** Breaker states in which the service sends nothing but probes. */
  static final Set<String> NOT_DELIVERING = Set.of("OPEN", "HALF_OPEN", "FORCED_OPEN");

  private final Supplier<ServiceStats> stats;
  private final Duration maxQueuedAge;

  /**
   * Creates the indicator.
   *
   * @param stats reads the service's current stats, e.g. {@code () -> group.serviceStats().get(name)}
   * @param maxQueuedAge the oldest queued event may wait this long before the service is DOWN
   */
  public EventServiceHealthIndicator(Supplier<ServiceStats> stats, Duration maxQueuedAge) {
    this.stats = Objects.requireNonNull(stats, "stats");
    this.maxQueuedAge = Objects.requireNonNull(maxQueuedAge, "maxQueuedAge");
  }

  @Override
  public Health health() {
    ServiceStats s = stats.get();
    if (s == null) {
      return Health.unknown().withDetail("reason", "no such event service").build();
    }
    Duration oldest = s.oldestQueuedAge() == null ? Duration.ZERO : s.oldestQueuedAge();
    Health.Builder h;
    if (NOT_DELIVERING.contains(s.breakerState())) {
      h = Health.down().withDetail("reason", "circuit breaker " + s.breakerState() + ": events wait in the queue");
    } else if (oldest.compareTo(maxQueuedAge) > 0) {
      h = Health.down().withDetail("reason",
          "oldest queued event waited " + oldest + ", more than max-queued-age " + maxQueuedAge);
    } else {
      h = Health.up();
    }
    h.withDetail("type", s.type())
        .withDetail("breakerState", s.breakerState())
        .withDetail("queued", s.queued())
        .withDetail("oldestQueuedAge", oldest.toString())
        .withDetail("delivered", s.delivered())
        .withDetail("deadLettered", s.deadLettered())
        .withDetail("dropped", s.dropped())
        .withDetail("refused", s.refused());
    if (s.lastError() != null) {
      h.withDetail("lastError", s.lastError());
    }
    if (s.lastErrorAt() != null) {
      h.withDetail("lastErrorAt", s.lastErrorAt().toString());
    }
    return h.build();
  }
}
