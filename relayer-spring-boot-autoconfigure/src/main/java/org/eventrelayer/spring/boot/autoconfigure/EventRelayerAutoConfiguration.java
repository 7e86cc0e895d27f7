package org.eventrelayer.spring.boot.autoconfigure;

import org.eventrelayer.EventRelayerGroup;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Builds the application's {@link EventRelayerGroup} from the {@code eventrelayer.*} settings (the keys of the
 * README's configuration reference, under the prefix {@code eventrelayer}) and closes it when the context stops,
 * after the producers of events have stopped.
 *
 * <p>A mistake in the settings fails the application's start with the library's message, which names the key.
 * Define an {@link EventRelayerGroup} bean of your own to build the group yourself; this one then steps aside.
 */
@AutoConfiguration
@ConditionalOnClass(EventRelayerGroup.class)
public final class EventRelayerAutoConfiguration {

  /** Created by Spring. */
  public EventRelayerAutoConfiguration() {}

  /**
   * The group, built from {@code eventrelayer.*}. Its closing is left to {@link #eventRelayerGroupLifecycle}, so
   * the inferred {@code close()} destroy method is switched off.
   *
   * @throws org.eventrelayer.ConfigException naming the key, when the settings are wrong
   */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean
  public EventRelayerGroup eventRelayerGroup(Environment environment) {
    return EventRelayerGroup.fromMap(GroupConfigReader.read(environment));
  }

  /** Closes the group (a flush within its {@code closeTimeout}, then stop) late in the context's shutdown. */
  @Bean
  @ConditionalOnMissingBean
  public EventRelayerGroupLifecycle eventRelayerGroupLifecycle(EventRelayerGroup group) {
    return new EventRelayerGroupLifecycle(group);
  }
}
