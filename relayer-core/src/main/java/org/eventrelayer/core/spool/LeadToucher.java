package org.eventrelayer.core.spool;

import java.util.function.Supplier;

/**
 * Touches the pages just ahead of the appenders once more, a few tens of milliseconds before they get there. The
 * spool's thread only.
 *
 * <p>Why: the spool's thread allocates and touches the pages of the segments ahead as early as it can (up to
 * {@code 128 MiB} ahead), so that no appender takes the page fault. But on some virtual machines a page of a
 * shared file mapping that was last written more than a few hundred milliseconds ago costs its next writer about
 * 4-5 µs again, in the hypervisor, with no page fault the guest can count (measured on a 2-vCPU Firecracker guest:
 * pages touched 0.1 s before a write cost nothing, 0.5 s before 25-59 % of them cost 4-5 µs, 5 s before 91-100 %;
 * the process's anonymous memory hardly). Every record that starts a page then paid it. Touching each page again
 * just before the appenders reach it moves that cost to this thread: one caller at a steady 200,000 {@code notify}
 * calls a second had a p99 of 1.06x-1.27x memory mode's, against 9.7x-35x without (docs/spool.md, "Measurements",
 * 2026-12-02, afternoon). Where pages do not go cold, the second touch is one compare-and-set per page.
 *
 * <p>How far ahead: as far as the appenders write in {@link #LEAD_NANOS} at the rate they wrote since the last
 * look, between {@link #MIN_LEAD_BYTES} and {@link #MAX_LEAD_BYTES}; the spool's thread looks at least every
 * {@link #WAKE_NANOS} while they write. It touches only while at least half the spare segments are ready
 * ({@link SparePreparer#behind}): a spool's thread short of CPU must prepare spares first. (Measured before the
 * spool's thread stopped mapping every page twice and before its step was capped, the same rule made 8 paced
 * callers on two cores be refused 87,000 to 795,000 calls in 4 s, and "all spares but one" none; since then, 8
 * callers paced at 100,000 calls/s each were refused under neither.)
 */
final class LeadToucher {

  /** How often the spool's thread looks while appenders write (it parks no longer than this). */
  static final long WAKE_NANOS = 10_000_000L;
  /** How far ahead in time the pages are touched: three looks, for a spool's thread that waits for a core. */
  static final long LEAD_NANOS = 3 * WAKE_NANOS;
  /** The least the lead is, at any rate: two pages. */
  static final int MIN_LEAD_BYTES = 2 * Segment.PAGE;
  /** The most it is: a flood's 30 ms. */
  static final int MAX_LEAD_BYTES = 8 << 20;

  /** The segment appended to now. */
  private final Supplier<Segment> current;
  /** The spare the appenders take next, or null. */
  private final Supplier<Segment> nextSpare;
  /** Where the appenders were, as a position through the spool, and when; -1 before the first look. */
  private long lastPosition = -1;
  private long lastNanos;
  private int leadBytes = MIN_LEAD_BYTES;

  LeadToucher(Supplier<Segment> current, Supplier<Segment> nextSpare) {
    this.current = current;
    this.nextSpare = nextSpare;
  }

  /**
   * Touches the pages from where the appenders are to the lead ahead of them, into the next spare when the lead
   * passes the segment's end; at most {@link Segment#TOUCH_STEP_PAGES} of them (the next call goes on).
   *
   * @param nowNanos {@link System#nanoTime()}
   * @param behind whether the spool's thread is behind in preparing the segments ahead: then it only looks (a
   *     flood's appenders reach pages that were touched recently anyway, and a spare not ready is a refusal)
   * @return the most the spool's thread may wait before the next call: 0 if this one stopped at its step short of
   *     the lead (a flood's lead took 256 pages per 10 ms, 25,600 a second, while one caller flat out wrote some
   *     50,000); {@link #WAKE_NANOS} if the appenders wrote since the last call; else {@link Long#MAX_VALUE}
   */
  long touch(long nowNanos, boolean behind) {
    Segment c = current.get();
    long reserved = c.reservedEnd();
    long lookAgain = updateLead(c.position(reserved), nowNanos) ? WAKE_NANOS : Long.MAX_VALUE;
    if (behind) {
      return lookAgain;
    }
    long to = reserved + leadBytes;
    int capacity = c.map.capacity();
    int step = Segment.TOUCH_STEP_PAGES;
    int touched = c.touchLead((int) Math.min(to, capacity), step);
    if (to > capacity && touched < step) {
      Segment next = nextSpare.get();
      if (next != null) {
        touched += next.touchLead((int) (to - capacity), step - touched);
      }
    }
    return touched >= step ? 0 : lookAgain;
  }

  /**
   * Sets the lead from how fast the appenders moved since the last update, once at least a millisecond has passed
   * (shorter gaps say little about a rate).
   *
   * @return whether the appenders moved since the last update
   */
  boolean updateLead(long position, long nowNanos) {
    if (lastPosition < 0) {
      lastPosition = position;
      lastNanos = nowNanos;
      return false;
    }
    boolean moved = position != lastPosition;
    long elapsed = nowNanos - lastNanos;
    if (elapsed >= 1_000_000L) {
      double bytes = Math.max(0, position - lastPosition) * (double) LEAD_NANOS / elapsed;
      leadBytes = (int) Math.max(MIN_LEAD_BYTES, Math.min(MAX_LEAD_BYTES, bytes));
      lastPosition = position;
      lastNanos = nowNanos;
    }
    return moved;
  }

  /** The bytes ahead of the appenders touched at the next look. */
  int leadBytes() {
    return leadBytes;
  }
}
