package org.eventrelayer.outbox;

import java.time.Duration;

/**
 * A snapshot of an outbox: what its table holds (all relays') and what this instance did (its counters).
 *
 * @param pending rows in the table, not yet final (-1 if the database could not be asked)
 * @param oldestPendingAge age of the oldest pending row ({@link Duration#ZERO} if none): the signal to alert on
 * @param written rows this instance wrote in host transactions (committed or not)
 * @param refused events this instance refused at {@code notify}
 * @param claimed rows this instance's relay claimed (a row claimed again after a failure counts again)
 * @param relayed rows this relay saw delivered and deleted, coalesced ones included
 * @param coalesced rows whose event was not sent on its own: an equal purge claimed with it carried it
 * @param deadLettered rows this relay moved to the dead-letter table
 * @param released rows this relay gave back to the table (service closed, dropped, outbox closed)
 * @param relayErrors database errors the relay met and retried
 */
public record OutboxStats(long pending, Duration oldestPendingAge, long written, long refused, long claimed,
    long relayed, long coalesced, long deadLettered, long released, long relayErrors) {}
