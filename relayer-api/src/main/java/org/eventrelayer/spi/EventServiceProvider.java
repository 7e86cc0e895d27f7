package org.eventrelayer.spi;

import java.util.List;

/**
 * Builds event services of one type (e.g. {@code http}, {@code kafka}), found by {@link java.util.ServiceLoader}
 * under {@code META-INF/services/org.eventrelayer.spi.EventServiceProvider}, or by class name in a {@code class} key.
 */
public interface EventServiceProvider {

  /** The short name used as {@code type} in config, e.g. {@code http}. */
  String name();

  /** Other names accepted for this type. */
  default List<String> aliases() {
    return List.of();
  }

  /**
   * Builds an event service from its config entry. Must not touch the network: an unreachable endpoint is a
   * delivery problem, not a config problem. Every config mistake must be thrown here as a
   * {@link org.eventrelayer.ConfigException} naming the key.
   *
   * @param context the service's name, its config and the streams routed to it
   * @return the started service
   */
  EventService create(ServiceContext context);
}
