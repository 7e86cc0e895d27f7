/**
 * The HTTP event service ({@code type: http}): delivers events to an EventGate-style intake. Configure it with the
 * keys listed on {@link org.eventrelayer.http.HttpEventServiceProvider}; add this module to the class path and the
 * group finds it through {@link java.util.ServiceLoader}.
 *
 * <p>How each answer of the intake maps to delivered, dead-lettered, retried or resent is stated once, in the
 * README's "HTTP outcomes" table (tested against the test kit's faithful intake,
 * {@code org.eventrelayer.testkit.EventGateIntake}). In short: listed {@code invalid} events are dead-lettered,
 * listed {@code error} events retried on their own schedule (also in a 400, where EventGate never lists one), a
 * 400 takes nothing; only whole-exchange failures (connection, timeout, request-level 5xx, 429/503, 3xx, other
 * 4xx) count against the circuit breaker; an answer that cannot be read or matched makes the events it may concern
 * resent once, in halves, without counting an attempt.
 */
package org.eventrelayer.http;
