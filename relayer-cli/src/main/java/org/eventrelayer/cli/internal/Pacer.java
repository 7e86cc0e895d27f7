package org.eventrelayer.cli.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * Holds the reading thread to at most {@code rate} URLs per second: permits are spaced evenly, and time lost in a
 * pause (e.g. while the queue is full) is not made up with a burst.
 */
public final class Pacer {

  private final double nanosPerPermit;
  private long next = System.nanoTime();

  /** A pacer allowing {@code rate} permits per second; 0 means no limit. */
  public Pacer(double rate) {
    if (rate < 0) {
      throw new IllegalArgumentException("rate must be >= 0: " + rate);
    }
    this.nanosPerPermit = rate == 0 ? 0 : 1e9 / rate;
  }

  /** Waits until the next permit is due (or the deadline, a {@link System#nanoTime()} value, passes). */
  public void acquire(long deadlineNanos) {
    if (nanosPerPermit == 0) {
      return;
    }
    long now = System.nanoTime();
    next = Math.max(next, now - (long) nanosPerPermit); // no burst after a pause
    while (now - next < 0 && deadlineNanos - now > 0) {
      LockSupport.parkNanos(Math.min(next - now, deadlineNanos - now));
      now = System.nanoTime();
    }
    next += (long) nanosPerPermit;
  }
}
