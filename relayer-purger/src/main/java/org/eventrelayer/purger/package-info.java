/**
 * The purger: drains {@code resource_change} purge events from Kafka into caches and CDNs through any event
 * service type ({@link org.eventrelayer.purger.Purger}, runnable as {@link org.eventrelayer.purger.PurgerMain}),
 * with Micrometer meters from {@link org.eventrelayer.purger.PurgerMetrics}.
 */
package org.eventrelayer.purger;
