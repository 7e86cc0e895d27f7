package org.eventrelayer.spring.boot.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import org.eventrelayer.EventRelayerGroup;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * One {@link EventServiceHealthIndicator} per event service of the group, under the health contributor
 * {@code eventRelayer} ({@code /actuator/health/eventRelayer/<service>}), when Spring Boot's health support is
 * present. Settings: {@link EventRelayerHealthProperties}.
 */
@AutoConfiguration(after = EventRelayerAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, EventRelayerGroup.class})
@ConditionalOnBean(EventRelayerGroup.class)
@ConditionalOnEnabledHealthIndicator("eventrelayer")
@EnableConfigurationProperties(EventRelayerHealthProperties.class)
public final class EventRelayerHealthAutoConfiguration {

  /** Created by Spring. */
  public EventRelayerHealthAutoConfiguration() {}

  /** The per-service indicators, named after the services. */
  @Bean
  @ConditionalOnMissingBean(name = "eventRelayerHealthContributor")
  public HealthContributor eventRelayerHealthContributor(EventRelayerGroup group,
      EventRelayerHealthProperties properties) {
    Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
    for (String service : group.serviceStats().keySet()) {
      indicators.put(service, new EventServiceHealthIndicator(
          () -> group.serviceStats().get(service), properties.getMaxQueuedAge()));
    }
    return CompositeHealthContributor.fromMap(indicators);
  }
}
