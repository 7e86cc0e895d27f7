package org.eventrelayer.outbox;

import java.time.Duration;

/**
 * The relay's settings, validated by {@link Outbox.Builder}.
 *
 * @param pollInterval how often the relay looks for rows when no wake-up hint arrives
 * @param lease how long a claim holds rows before another relay may take them over (renewed while alive)
 * @param batchSize rows per claim
 * @param maxInFlight rows claimed and not yet final, at most
 * @param deadLetterRetention how long dead-lettered rows are kept
 * @param closeTimeout how long close waits for events in flight
 * @param wakeUpHint whether the host's insert sends the wake-up hint (PostgreSQL NOTIFY)
 */
record OutboxSettings(Duration pollInterval, Duration lease, int batchSize, int maxInFlight,
    Duration deadLetterRetention, Duration closeTimeout, boolean wakeUpHint) {}
