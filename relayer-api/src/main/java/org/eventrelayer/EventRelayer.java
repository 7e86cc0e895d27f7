package org.eventrelayer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Relays change events from a host application to their destination without ever waiting on the network.
 *
 * <p>Mirrors MediaWiki's {@code EventRelayer}: {@link #notify(String, Map)} is {@link #notifyMulti(String, List)}
 * with a one-element list. Unlike MediaWiki's, both methods only validate and enqueue on the caller's thread;
 * building, serializing and delivering happen on the relayer's own threads. Every event handed in ends up either
 * refused at once (with a reason, in the returned {@link RelayResult}) or accepted, and every accepted event
 * reaches a counted state: delivered, dead-lettered, dropped, coalesced into an equal queued purge (sharing its
 * outcome), or, with a spool, kept on disk for the next run.
 *
 * <p>Instances are obtained from an {@link EventRelayerGroup} and are safe for concurrent use.
 */
public interface EventRelayer extends AutoCloseable {

  /**
   * Relays one event. Equivalent to {@code notifyMulti(channel, List.of(event))}, except that a {@code null}
   * event is refused rather than thrown.
   *
   * @param channel the channel the event belongs to, e.g. {@code cdn-url-purges}; a {@code null} or blank
   *     channel refuses the event with {@link RefusalReason#INVALID_CHANNEL}
   * @param event the event; a {@code null} event is refused with {@link RefusalReason#INVALID_EVENT}
   * @return at once, what was accepted and why anything was refused
   */
  RelayResult notify(String channel, Map<String, ?> event);

  /**
   * Relays a batch of events. Returns at once; never waits on the network, never blocks on a full queue.
   *
   * <p>The events are read (validated and copied) during the call, so the caller must not modify them, or anything
   * they hold, until it returns; afterwards they are the caller's again. Whatever reading an event throws (a
   * {@code TreeMap} with non-string keys, a map another thread changes, a {@code get} that throws), and an event
   * larger than its service can send, refuse that event with a reason; the call throws nothing but the documented
   * {@code NullPointerException}. Within one call, a repeated purge of the same URL shares the outcome of the first
   * one, acceptance or refusal.
   *
   * @param channel the channel the events belong to; a {@code null} or blank channel refuses every event with
   *     {@link RelayResult} reason {@link RefusalReason#INVALID_CHANNEL}
   * @param events the events, in order; {@code null} elements are refused individually
   * @return at once, what was accepted and why each refused event was refused (by index into {@code events})
   * @throws NullPointerException if {@code events} itself is {@code null}
   */
  RelayResult notifyMulti(String channel, List<? extends Map<String, ?>> events);

  /**
   * Waits until every event accepted before this call has reached a final state, or the timeout passes.
   *
   * @param timeout how long to wait at most
   * @return {@code true} if everything accepted before the call is final, {@code false} if the deadline passed
   */
  boolean flush(Duration timeout);

  /** Counts of what this relayer accepted and refused, by reason. Cheap; safe to call at any time. */
  RelayerStats stats();

  /**
   * Stops accepting events: later calls refuse every event with {@link RefusalReason#CLOSED}. Idempotent.
   * Relayers taken from a group share its event services; {@link EventRelayerGroup#close()} drains and stops them.
   */
  @Override
  void close();
}
