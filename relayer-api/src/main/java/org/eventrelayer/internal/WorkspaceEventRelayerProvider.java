package org.eventrelayer.internal;

import java.util.List;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.RelayerContext;
import org.eventrelayer.spi.RelayerProvider;

/**
 * {@code type: workspace-event}: KBase workspace events, checked per event type against the workspace's table
 * and emitted as KBase's Kafka notifier writes them. Keys: {@code stream} (required; its Kafka topic through the
 * usual routing, {@code streams.<stream>.topic}). Build events with {@link org.eventrelayer.WorkspaceEvent}.
 */
public final class WorkspaceEventRelayerProvider implements RelayerProvider {

  /** The type name. */
  public static final String NAME = "workspace-event";

  /** Creates the provider (for {@link java.util.ServiceLoader}). */
  public WorkspaceEventRelayerProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public EventRelayer create(RelayerContext context) {
    String stream = context.config().requireString("stream");
    return new WorkspaceEventRelayer(context.name(), NAME, stream, List.of(context.serviceFor(stream, "stream")));
  }

  /** A workspace-event relayer fanning every event out to several services (KBase's {@code listeners}). */
  public static EventRelayer fanOut(String name, String stream, List<EventService> services) {
    return new WorkspaceEventRelayer(name, NAME, stream, services);
  }
}
