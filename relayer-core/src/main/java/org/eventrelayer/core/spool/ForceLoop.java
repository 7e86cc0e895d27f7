package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.eventrelayer.core.RateLimitedLogger;

/**
 * The loop of the spool's force thread ({@code eventrelayer-<name>-spool-force}): the forces others ask for
 * ({@link SegmentForcer#forceAsync}), the force every {@code forceInterval}, or, with a force per batch, the steps
 * forced ahead of the consumer. Why a thread of its own: a force takes the disk's time, hundreds of milliseconds
 * under a flood's writeback, and on the spool's thread it held back the spares callers were about to need: with the
 * spares filled on fill threads, 8 callers flat out were refused "no segment ready" in about half the JMH runs, and
 * in none without forces (docs/spool.md, "Measurements", 2026-12-03, night).
 */
final class ForceLoop implements Runnable {

  /** How often the loop looks for written windows to force ahead while some are not forced. */
  static final long AHEAD_WAKE_NANOS = 10_000_000L;
  /** The longest it parks otherwise (a force asked for wakes it). */
  static final long IDLE_WAKE_NANOS = 200_000_000L;

  private final SegmentForcer forcer;
  private final long intervalNanos;
  private final BooleanSupplier closed;
  private final RateLimitedLogger rateLimited;
  private final Path dir;

  ForceLoop(SegmentForcer forcer, long intervalNanos, BooleanSupplier closed, RateLimitedLogger rateLimited,
      Path dir) {
    this.forcer = forcer;
    this.intervalNanos = intervalNanos;
    this.closed = closed;
    this.rateLimited = rateLimited;
    this.dir = dir;
  }

  @Override
  public void run() {
    long nextForce = System.nanoTime() + intervalNanos;
    while (!closed.getAsBoolean()) {
      boolean more = false;
      try {
        forcer.forceIfWanted();
        if (intervalNanos > 0) {
          if (System.nanoTime() - nextForce >= 0) {
            nextForce = System.nanoTime() + intervalNanos;
            forcer.force();
          }
        } else {
          more = forcer.forceAheadStep();
        }
      } catch (IOException | RuntimeException e) {
        rateLimited.error("spool-force", "eventrelayer spool {}: cannot force: {}", dir, e.toString());
      }
      if (!more) {
        long park = intervalNanos > 0 ? Math.min(intervalNanos, IDLE_WAKE_NANOS)
            : forcer.unforcedBytes() > 0 ? AHEAD_WAKE_NANOS : IDLE_WAKE_NANOS;
        LockSupport.parkNanos(this, park);
      }
    }
  }
}
