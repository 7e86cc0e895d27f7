package org.eventrelayer.internal;

import java.util.List;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.spi.RelayerContext;
import org.eventrelayer.spi.RelayerProvider;

/** {@code type: stream}: relays events as given to one stream. Keys: {@code stream} (required). */
public final class StreamRelayerProvider implements RelayerProvider {

  static final String NAME = "stream";

  /** Creates the provider (for {@link java.util.ServiceLoader}). */
  public StreamRelayerProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public EventRelayer create(RelayerContext context) {
    String stream = context.config().requireString("stream");
    return new StreamRelayer(context.name(), NAME, stream, List.of(context.serviceFor(stream, "stream")));
  }

  /** A stream relayer fanning every event out to several services (KBase's listeners). */
  public static EventRelayer fanOut(String name, String stream, List<org.eventrelayer.spi.EventService> services) {
    return new StreamRelayer(name, "listeners", stream, services);
  }
}
