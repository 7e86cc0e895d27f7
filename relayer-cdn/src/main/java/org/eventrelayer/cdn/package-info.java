/**
 * Cache and CDN event service types: {@code varnish} ({@link org.eventrelayer.cdn.VarnishEventServiceProvider}),
 * {@code fastly}, {@code cloudflare} and {@code akamai}. Each is a transport behind the shared delivery engine that
 * turns a batch of purge events ({@code meta.uri}) into the provider's requests and the answers into per-event
 * outcomes; the answer tables, limits and their sources are in the README, "Purging caches and CDNs".
 */
package org.eventrelayer.cdn;
