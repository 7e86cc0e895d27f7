/**
 * The transactional outbox: {@link org.eventrelayer.outbox.Outbox} writes events in the host's own JDBC
 * transaction and relays them through an {@link org.eventrelayer.EventRelayerGroup} if and only if it commits;
 * {@link org.eventrelayer.outbox.OutboxMetrics} binds its stats to Micrometer. Everything else here is internal.
 */
package org.eventrelayer.outbox;
