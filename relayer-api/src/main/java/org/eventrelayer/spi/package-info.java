/**
 * The service-provider interface: how relayer types ({@link org.eventrelayer.spi.RelayerProvider}) and event
 * service types ({@link org.eventrelayer.spi.EventServiceProvider}) plug into an
 * {@link org.eventrelayer.EventRelayerGroup} through {@link java.util.ServiceLoader}, and the pieces they share.
 * Host applications do not need this package.
 */
package org.eventrelayer.spi;
