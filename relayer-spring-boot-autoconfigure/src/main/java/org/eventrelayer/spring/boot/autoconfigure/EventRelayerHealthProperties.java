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
    Objects.requireNonNull(maxQueuedAge, "management.health.eventrelayer.max-queued-age");
    if (maxQueuedAge.isNegative() || maxQueuedAge.isZero()) {
      throw new IllegalArgumentException(
          "management.health.eventrelayer.max-queued-age: must be positive, was " + maxQueuedAge);
    }
    this.maxQueuedAge = maxQueuedAge;
  }
}
