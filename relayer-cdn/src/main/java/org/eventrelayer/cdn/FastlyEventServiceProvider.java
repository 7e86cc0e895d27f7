package org.eventrelayer.cdn;

import org.eventrelayer.core.DeliveryEngine;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.ServiceContext;

/**
 * The {@code fastly} event service: purge events ({@code meta.uri}) purged through Fastly's API, by URL or by
 * surrogate key (the URL's path), behind the shared delivery engine.
 *
 * <p>Keys (besides the engine's): {@code apiKey} (required, secret: sent as {@code Fastly-Key}, never logged),
 * {@code mode} ({@code url} or {@code key}; default {@code url}), {@code serviceId} (required with
 * {@code mode: key}), {@code maxKeysPerRequest} (default and most: 256), {@code soft} ({@code false};
 * {@code true} sends {@code Fastly-Soft-Purge: 1}), {@code baseUrl} ({@code https://api.fastly.com}),
 * {@code requestsPerSecond}/{@code requestBurst}/{@code objectsPerSecond}/{@code objectBurst} (off by default:
 * Fastly documents no purge rate; its 429 and {@code Fastly-RateLimit-*} answers steer the pacing),
 * {@code connections}, {@code maxInFlightBatches}, {@code timeout}, {@code connectTimeout}. Details: README,
 * "Purging caches and CDNs".
 */
public final class FastlyEventServiceProvider implements EventServiceProvider {

  /** The provider's name, used as {@code type: fastly}. */
  public static final String NAME = "fastly";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public FastlyEventServiceProvider() {}

  /** Returns {@value #NAME}. */
  @Override
  public String name() {
    return NAME;
  }

  /**
   * Validates the keys, builds the client (no network is touched) and starts the service's delivery engine.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  @Override
  public EventService create(ServiceContext context) {
    return DeliveryEngine.start(context, NAME,
        transportContext -> FastlyTransport.create(transportContext.name(), transportContext.config()));
  }
}
