package org.eventrelayer;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of one event service (a transport and its delivery engine).
 *
 * <p>Accounting: {@code accepted == delivered + deadLettered + dropped + coalesced + queued + inFlight + spooled}, exact at any
 * quiet moment and off by at most the events moving between two counters while the snapshot is taken. With a spool,
 * {@code accepted} includes the events replayed from the spool when the service started, and events still in the
 * spool when the service closed count as {@code spooled}, not {@code dropped}: the next start replays them.
 *
 * @param name the service's config key (e.g. {@code eventgate})
 * @param type the provider name (e.g. {@code http})
 * @param queued events waiting in memory (including events waiting for their retry and, with a spool, events
 *     waiting to be written to it)
 * @param queuedBytes estimated bytes of the queued events
 * @param inFlight events in a request that has not been answered yet
 * @param spooled events durable in the spool and not in memory: waiting on disk to be read back and sent, or left
 *     there at close for the next start; always 0 without a spool
 * @param accepted events the service accepted (plus, with a spool, the events it replayed from it at start)
 * @param refused events the service refused at offer time (queue full, too large, closed)
 * @param delivered events the destination confirmed
 * @param deadLettered events handed to the dead-letter handler (invalid, or out of retries)
 * @param dropped accepted events abandoned without a verdict (without a spool: still queued when close() ran out
 *     of time; with one: not yet written when close() ran out of time, or unreadable on disk)
 * @param coalesced accepted purges that joined an equal purge still waiting in the queue (they share its outcome;
 *     see {@code coalesce})
 * @param retries events re-sent after a retryable failure (one per event per retry)
 * @param batches requests sent, successful or not
 * @param breakerState the circuit breaker's state: {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, ...
 * @param lastError the last delivery failure, without secrets, or {@code null}
 * @param lastErrorAt when {@code lastError} happened, or {@code null}
 * @param oldestQueuedAge how long the oldest event still queued (in memory, on disk waiting to be sent, or waiting
 *     for its retry) has waited since it was accepted; {@link Duration#ZERO} when none is
 */
public record ServiceStats(
    String name,
    String type,
    long queued,
    long queuedBytes,
    long inFlight,
    long spooled,
    long accepted,
    long refused,
    long delivered,
    long deadLettered,
    long dropped,
    long coalesced,
    long retries,
    long batches,
    String breakerState,
    String lastError,
    Instant lastErrorAt,
    Duration oldestQueuedAge) {

  /**
   * {@code delivered + deadLettered + dropped + coalesced + queued + inFlight + spooled}: equals
   * {@link #accepted()} when quiet.
   */
  public long accountedFor() {
    return delivered + deadLettered + dropped + coalesced + queued + inFlight + spooled;
  }
}
