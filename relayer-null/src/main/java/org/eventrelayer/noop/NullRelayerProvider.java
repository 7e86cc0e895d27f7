package org.eventrelayer.noop;

import java.util.List;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.spi.RelayerContext;
import org.eventrelayer.spi.RelayerProvider;

/**
 * {@code type: null} (alias {@code none}, since YAML reads a bare {@code null} as no value; and
 * {@code EventRelayerNull}, MediaWiki's class name): the null relayer. It takes no keys.
 */
public final class NullRelayerProvider implements RelayerProvider {

  static final String NAME = "null";

  /** Creates the provider (for {@link java.util.ServiceLoader}). */
  public NullRelayerProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> aliases() {
    return List.of("none", "EventRelayerNull");
  }

  @Override
  public EventRelayer create(RelayerContext context) {
    return new NullEventRelayer(context.name());
  }
}
