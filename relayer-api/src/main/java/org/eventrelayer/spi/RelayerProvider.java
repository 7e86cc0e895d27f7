package org.eventrelayer.spi;

import java.util.List;
import org.eventrelayer.EventRelayer;

/**
 * Builds relayers of one type (e.g. {@code cdn-purge}), found by {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.eventrelayer.spi.RelayerProvider}, or by its class name in a {@code class} key.
 */
public interface RelayerProvider {

  /** The short name used as {@code type} in config, e.g. {@code cdn-purge}. */
  String name();

  /** Other names accepted for this type (e.g. {@code none} for {@code null}). */
  default List<String> aliases() {
    return List.of();
  }

  /**
   * Builds a relayer from its config entry. Every config mistake must be thrown here, as a
   * {@link org.eventrelayer.ConfigException} naming the key.
   *
   * @param context the entry's name, config and the event services it may route to
   * @return the relayer
   */
  EventRelayer create(RelayerContext context);
}
