/**
 * The demo: {@link org.eventrelayer.examples.demo.PurgeDemo} relays CDN purges from a host loop to an in-process,
 * EventGate-compatible intake ({@link org.eventrelayer.examples.demo.LocalEventGate}), takes the intake down and up
 * again while the host keeps notifying, and shows the caller latency, the breaker, the queue and the deliveries as it
 * goes. {@code LocalEventGate} is reusable wherever a fast local intake that parses and counts is needed.
 */
package org.eventrelayer.examples.demo;
