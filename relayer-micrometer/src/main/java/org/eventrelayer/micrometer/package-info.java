/**
 * Micrometer metrics for eventrelayer: {@link org.eventrelayer.micrometer.EventRelayerMetrics} binds the stats of
 * every event service and relayer of an {@link org.eventrelayer.EventRelayerGroup} to a
 * {@link io.micrometer.core.instrument.MeterRegistry}.
 */
package org.eventrelayer.micrometer;
