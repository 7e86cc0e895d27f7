package org.eventrelayer.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
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

  /** A context of these parts (for engines that hand a transport a narrower view, and for tests). */
  static ServiceContext of(String name, Config config, Map<String, Config> streams) {
    Map<String, Config> copy = Collections.unmodifiableMap(new LinkedHashMap<>(streams));
    return new ServiceContext() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Config config() {
        return config;
      }

      @Override
      public Map<String, Config> streams() {
        return copy;
      }
    };
  }
}
