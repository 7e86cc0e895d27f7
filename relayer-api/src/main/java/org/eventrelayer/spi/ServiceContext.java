package org.eventrelayer.spi;

import java.util.Map;

/** What an {@link EventServiceProvider} gets to build one event service. */
public interface ServiceContext {

  /** The service's config key, e.g. {@code eventgate}. */
  String name();

  /** The service's config; keys are relative to {@code eventServices.<name>}. */
  Config config();

  /**
   * The per-stream settings of the streams explicitly routed to this service ({@code streams.<stream>.*}, minus
   * {@code service}), by stream name. Streams reached through the default route have no entry here.
   */
  Map<String, Config> streams();
}
