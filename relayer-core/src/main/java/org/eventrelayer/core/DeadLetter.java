package org.eventrelayer.core;

/**
 * An event that will not be delivered: the destination refused it for good, it could not be serialized, or it
 * ran out of retries.
 *
 * @param service the event service's name
 * @param stream the event's stream
 * @param json the event as compact JSON, or {@code null} if it could not be serialized
 * @param reason why, e.g. {@code invalid: 'meta.dt' is a required property} or {@code retries exhausted ...}
 * @param attempts how many times it was sent
 */
public record DeadLetter(String service, String stream, String json, String reason, int attempts) {}
