package org.eventrelayer.purger;

import java.time.Duration;

/**
 * A snapshot of a {@link Purger}.
 *
 * <p>Every polled record is accounted for: {@code polled == tooOld + deadLettered + final purges' records
 * (purged) + backlog}, off by at most the records moving while the snapshot is taken; with coalescing, several
 * records share one purge ({@code coalesced} counts the records that joined one).
 *
 * @param polled records read from the topics
 * @param tooOld records dropped because their event was older than {@code maxAge}
 * @param deadLettered records that were not purge events (bad JSON, no {@code meta.uri}, ...), dead-lettered
 * @param coalesced records whose URL joined an equal purge still waiting to be sent
 * @param purges purges (distinct URLs) sent to the first stage
 * @param purged records whose purge is final at every stage
 * @param failedPurges purges a stage's service dead-lettered (refused for good or out of retries)
 * @param backlog records polled but not final yet (waiting, in flight, or between stages): what a restart would
 *     purge again
 * @param consumerLag records in the assigned partitions not polled yet (Kafka's lag), -1 before the first poll
 * @param paused whether the consumer is paused because {@code backlog} reached {@code maxPending}
 * @param lagP50 median event-to-purge lag, or {@code null} before the first purge
 * @param lagP99 99th percentile event-to-purge lag, or {@code null} before the first purge
 */
public record PurgerStats(
    long polled,
    long tooOld,
    long deadLettered,
    long coalesced,
    long purges,
    long purged,
    long failedPurges,
    long backlog,
    long consumerLag,
    boolean paused,
    Duration lagP50,
    Duration lagP99) {}
