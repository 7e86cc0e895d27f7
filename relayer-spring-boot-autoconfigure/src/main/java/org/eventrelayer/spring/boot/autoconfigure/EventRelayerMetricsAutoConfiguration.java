package org.eventrelayer.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.micrometer.EventRelayerMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The group's stats as Micrometer meters ({@code eventrelayer.*}, see the README's Metrics section) when Micrometer
 * and {@code relayer-micrometer} are on the class path. The bean is a {@code MeterBinder}: Spring Boot binds it to
 * every {@link MeterRegistry} it manages (with {@code management.metrics.tags.*}), and removes the meters when the
 * context closes.
 */
@AutoConfiguration(after = EventRelayerAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, EventRelayerMetrics.class, EventRelayerGroup.class})
@ConditionalOnBean(EventRelayerGroup.class)
public final class EventRelayerMetricsAutoConfiguration {

  /** Created by Spring. */
  public EventRelayerMetricsAutoConfiguration() {}

  /** Binds every service's and relayer's stats of the group. */
  @Bean
  @ConditionalOnMissingBean
  public EventRelayerMetrics eventRelayerMetrics(EventRelayerGroup group) {
    return new EventRelayerMetrics(group, Tags.empty());
  }
}
