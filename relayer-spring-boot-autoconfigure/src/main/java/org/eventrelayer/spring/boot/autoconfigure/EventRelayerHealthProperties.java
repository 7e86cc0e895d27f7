package org.eventrelayer.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the event services' Actuator health, under {@code management.health.eventrelayer} beside Spring
 * Boot's own health settings ({@code management.health.eventrelayer.enabled=false} turns it off), so that
 * {@code eventrelayer.*} holds exactly the group's keys.
 */
@ConfigurationProperties("management.health.eventrelayer")
public final class EventRelayerHealthProperties {

  /**
   * A service is DOWN when its oldest event still waiting in memory has waited longer than this: events are
   * accepted but not leaving (a destination that answers, slowly, never opens the breaker).
   */
  private Duration maxQueuedAge = Duration.ofMinutes(1);

  /**
   * The transactional outbox is DOWN when its oldest row not yet relayed has waited longer than this (committed
   * purges are not leaving the database).
   */
  private Duration maxOutboxPendingAge = Duration.ofMinutes(1);

  /** Created by Spring. */
  public EventRelayerHealthProperties() {}

  /** How long the oldest queued event may wait before its service is DOWN; default 1 minute. */
  public Duration getMaxQueuedAge() {
    return maxQueuedAge;
  }

  /**
   * Sets how long the oldest queued event may wait before its service is DOWN.
   *
   * @throws IllegalArgumentException if not positive
   */
  public void setMaxQueuedAge(Duration maxQueuedAge) {
    this.maxQueuedAge = positive("max-queued-age", maxQueuedAge);
  }

  /** How long the outbox's oldest pending row may wait before the outbox is DOWN; default 1 minute. */
  public Duration getMaxOutboxPendingAge() {
    return maxOutboxPendingAge;
  }

  /**
   * Sets how long the outbox's oldest pending row may wait before the outbox is DOWN.
   *
   * @throws IllegalArgumentException if not positive
   */
  public void setMaxOutboxPendingAge(Duration maxOutboxPendingAge) {
    this.maxOutboxPendingAge = positive("max-outbox-pending-age", maxOutboxPendingAge);
  }

  private static Duration positive(String key, Duration value) {
    Objects.requireNonNull(value, "management.health.eventrelayer." + key);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("management.health.eventrelayer." + key + ": must be positive, was " + value);
    }
    return value;
  }
}
