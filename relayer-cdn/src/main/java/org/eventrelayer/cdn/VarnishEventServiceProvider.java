package org.eventrelayer.cdn;

import org.eventrelayer.core.DeliveryEngine;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.ServiceContext;

/**
 * The {@code varnish} event service: every purge event ({@code meta.uri}) sent as {@code PURGE <path>} with
 * {@code Host: <the URL's host>} to every cache in {@code hosts}, behind the shared delivery engine (queue,
 * batching, coalescing, retry, breaker, spool, dead letters, stats).
 *
 * <p>Transport keys of an {@code eventServices.<name>} entry of type {@code varnish}:
 * <table>
 * <caption>Keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code hosts}</td><td>(required)</td><td>the caches, comma-separated {@code host:port}; every purge goes
 *     to every host, and an event is delivered when every host took it</td></tr>
 * <tr><td>{@code method}</td><td>{@code purge}</td><td>{@code purge} ({@code PURGE <path>}), {@code ban}
 *     ({@code BAN <path>}: the VCL turns it into a ban) or {@code xkey} ({@code PURGE <path>} plus the
 *     {@code xkeyHeader} naming the URL's path as surrogate key, for the xkey vmod)</td></tr>
 * <tr><td>{@code xkeyHeader}</td><td>{@code xkey-purge}</td><td>the header the VCL hands to {@code xkey.purge()}
 *     ({@code method: xkey} only)</td></tr>
 * <tr><td>{@code connectionsPerHost}</td><td>{@code 8}</td><td>persistent connections, so requests in flight, per
 *     host</td></tr>
 * <tr><td>{@code maxInFlightBatches}</td><td>{@code 4}</td><td>batches begun before the first is answered</td></tr>
 * <tr><td>{@code timeout}</td><td>{@code 5s}</td><td>bound on one purge at one host</td></tr>
 * <tr><td>{@code connectTimeout}</td><td>the smaller of {@code 2s} and {@code timeout}</td><td>bound on opening a
 *     connection</td></tr>
 * </table>
 *
 * <p>How each answer maps to delivered / dead-lettered / retried is in the README, "Purging caches and CDNs".
 */
public final class VarnishEventServiceProvider implements EventServiceProvider {

  /** The provider's name, used as {@code type: varnish}. */
  public static final String NAME = "varnish";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public VarnishEventServiceProvider() {}

  /** Returns {@value #NAME}. */
  @Override
  public String name() {
    return NAME;
  }

  /**
   * Validates the keys, builds the clients (no network is touched) and starts the service's delivery engine.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  @Override
  public EventService create(ServiceContext context) {
    return DeliveryEngine.start(context, NAME,
        transportContext -> VarnishTransport.create(transportContext.name(), transportContext.config()));
  }
}
