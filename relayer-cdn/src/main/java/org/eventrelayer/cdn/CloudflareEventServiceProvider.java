package org.eventrelayer.cdn;

import org.eventrelayer.core.DeliveryEngine;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.ServiceContext;

/**
 * The {@code cloudflare} event service: purge events ({@code meta.uri}) purged by URL through Cloudflare's API
 * ({@code POST /zones/<zone>/purge_cache {"files": [...]}}), behind the shared delivery engine.
 *
 * <p>Keys (besides the engine's): {@code zone} (required), {@code apiToken} (required, secret: sent as
 * {@code Authorization: Bearer}, never logged), {@code plan} ({@code free}, {@code pro}, {@code business},
 * {@code enterprise}; default {@code free}: picks Cloudflare's documented rates and per-request limit),
 * {@code maxUrlsPerRequest} (100, up to 500 on {@code enterprise}), {@code baseUrl}
 * ({@code https://api.cloudflare.com/client/v4}), {@code requestsPerSecond}, {@code requestBurst},
 * {@code objectsPerSecond}, {@code objectBurst} (the token buckets; defaults from the plan), {@code connections},
 * {@code maxInFlightBatches}, {@code timeout}, {@code connectTimeout}. Details and sources: README, "Purging caches
 * and CDNs".
 */
public final class CloudflareEventServiceProvider implements EventServiceProvider {

  /** The provider's name, used as {@code type: cloudflare}. */
  public static final String NAME = "cloudflare";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public CloudflareEventServiceProvider() {}

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
        transportContext -> CloudflareTransport.create(transportContext.name(), transportContext.config()));
  }
}
