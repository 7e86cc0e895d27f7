package org.eventrelayer.cli.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a purge run has done so far, per URL read. Written by the reading thread, read by the progress reporter.
 * At any moment {@code read == accepted + refused + waiting} (a URL waiting for room in the queue) and
 * {@code accepted == delivered + deadLettered + dropped + pending()}.
 */
public final class PurgeCounters {

  final AtomicLong read = new AtomicLong();
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong refused = new AtomicLong();
  final AtomicLong delivered = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong dropped = new AtomicLong();
  /** URLs left unread when the timeout passed (counted at the end only). */
  final AtomicLong unread = new AtomicLong();
  /** The estimated number of URLs in the whole input, or -1 while unknown. */
  final AtomicLong estimatedTotal = new AtomicLong(-1);
  private final long startNanos = System.nanoTime();

  /** URLs taken from the input (blank and comment lines not counted). */
  public long read() {
    return read.get();
  }

  /** URLs the relayer accepted. */
  public long accepted() {
    return accepted.get();
  }

  /** URLs the relayer refused (invalid, too long, ...); each is listed as failed. */
  public long refused() {
    return refused.get();
  }

  /** URLs the destination confirmed. */
  public long delivered() {
    return delivered.get();
  }

  /** URLs the destination refused for good or that ran out of retries; each is listed as failed. */
  public long deadLettered() {
    return deadLettered.get();
  }

  /** URLs abandoned without a verdict (the timeout passed); each is listed as failed. */
  public long dropped() {
    return dropped.get();
  }

  /** URLs not read because the timeout passed first. */
  public long unread() {
    return unread.get();
  }

  /** Accepted URLs without an outcome yet. */
  public long pending() {
    return accepted() - delivered() - deadLettered() - dropped();
  }

  /** URLs whose fate is known: refused, delivered, dead-lettered or dropped. */
  public long finished() {
    return refused() + delivered() + deadLettered() + dropped();
  }

  /** The estimated number of URLs in the input, exact once it is all read; -1 while unknown. */
  public long estimatedTotal() {
    return estimatedTotal.get();
  }

  /** Seconds since the run started. */
  public double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
