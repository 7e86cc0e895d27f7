/**
 * The HTTP event service ({@code type: http}): delivers events to an EventGate-style intake. Configure it with the
 * keys listed on {@link org.eventrelayer.http.HttpEventServiceProvider}; add this module to the class path and the
 * group finds it through {@link java.util.ServiceLoader}.
 *
 * <h2>Answers and outcomes</h2>
 * <ul>
 *   <li>201, 202 (and any other 2xx but 207): every event delivered.</li>
 *   <li>207 {@code {"invalid":[...],"error":[...]}}: each listed failure is matched to the batch's events by
 *       {@code meta.id}, else by JSON content; {@code invalid} ones are dead-lettered (never retried, not a
 *       breaker failure), {@code error} ones retried, the rest delivered. If any listed failure matches no event
 *       sent, or the body cannot be read, no unlisted event is counted delivered: they are retried.</li>
 *   <li>400: the intake took nothing; every event is dead-lettered, listed ones with their own reason. An empty
 *       400 body is reported as a client bug.</li>
 *   <li>500 with per-event lists: as 207, but unlisted events are retried (a 500 means none was accepted).
 *       A request-level 500, any other 5xx: the batch is retried.</li>
 *   <li>429 and 503: the batch is retried, no sooner than {@code Retry-After} (seconds or HTTP-date).</li>
 *   <li>3xx, 401, 403, 404 and any other 4xx: the batch is retried and counts against the circuit breaker; these
 *       are deployment problems (moved URL, token, route, proxy limit), not bad events, so events wait for an
 *       operator instead of being thrown away, and are dead-lettered only when the engine's retry limits run
 *       out.</li>
 *   <li>Connection refused, timeouts, resets, TLS failures: the batch is retried and counts against the
 *       breaker.</li>
 * </ul>
 */
package org.eventrelayer.http;
