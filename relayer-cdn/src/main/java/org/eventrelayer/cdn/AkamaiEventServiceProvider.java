package org.eventrelayer.cdn;

import org.eventrelayer.core.DeliveryEngine;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.ServiceContext;

/**
 * The {@code akamai} event service: purge events ({@code meta.uri}) purged by URL through Akamai Fast Purge v3
 * ({@code POST /ccu/v3/<action>/url/<network>}, EdgeGrid-signed), behind the shared delivery engine.
 *
 * <p>Keys (besides the engine's): {@code baseUrl} (required: the API client's host, e.g.
 * {@code https://akab-xxxx.luna.akamaiapis.net}), {@code clientToken}, {@code clientSecret}, {@code accessToken}
 * (required, secrets, never logged), {@code action} ({@code invalidate} or {@code delete}; default
 * {@code invalidate}), {@code network} ({@code production} or {@code staging}; default {@code production}),
 * {@code maxBodyBytes} (50,000 at most, Akamai's limit), {@code requestsPerSecond}/{@code requestBurst} (50 and
 * 100), {@code objectsPerSecond}/{@code objectBurst} (200 and 10,000 URLs), {@code connections},
 * {@code maxInFlightBatches}, {@code timeout}, {@code connectTimeout}. Details and sources: README, "Purging caches
 * and CDNs".
 */
public final class AkamaiEventServiceProvider implements EventServiceProvider {

  /** The provider's name, used as {@code type: akamai}. */
  public static final String NAME = "akamai";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public AkamaiEventServiceProvider() {}

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
        transportContext -> AkamaiTransport.create(transportContext.name(), transportContext.config()));
  }
}
