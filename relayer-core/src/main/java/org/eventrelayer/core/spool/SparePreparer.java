package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import org.eventrelayer.core.RateLimitedLogger;

/**
 * Keeps spare segments ready ahead of the appenders, one short step at a time: creates a segment (its bytes
 * reserved against {@code maxBytes}), has a fill thread fill it with zeros by {@code pwrite} ({@link SegmentFiller},
 * several segments at once), offers it to the spool, and once enough are ready touches the pages of the segments
 * ahead so that no appender takes their page faults. The spool's thread only (at open, the opening thread before
 * that one starts; at close, the closing one once it has stopped), except {@link #preparing()}, {@link #behind()}
 * and {@link #stopFillThreads()}. See docs/spool.md, "How it works", step 2.
 */
final class SparePreparer {

  /**
   * Room kept prepared ahead, for a burst while the spool's thread waits for a core: at least 3 segments and, with
   * small segments, up to 64 of them or 128 MiB; filled when the spool opens. 48 MiB lasted 150 ms of 8 callers
   * flat out on two cores (2.4 million purges a second), too short to ride out the spool's thread losing its core
   * to the kernel's writeback: with 1 MiB write windows, the flood refused in 2 runs of 3, with 128 MiB in 2 of 7
   * and far fewer calls (docs/spool.md, "Measurements", 2026-12-02).
   */
  static final long SPARE_BYTES = 128L << 20;

  /** The spool's side: its spares, and the segments appenders reach next. */
  interface Spares {

    /** How many spares are ready (read without a lock). */
    int count();

    /** Offers a prepared segment (the spool retires it if it is closed). */
    void offer(Segment s) throws IOException;

    /** The segment appended to now, then the spares in the order they will be taken. */
    List<Segment> ahead();
  }

  /**
   * The fewest spares left when the fills in flight are stopped and spares offered as they are (see
   * {@link #lowSpares}): two, so that the callers have a whole segment to fill while a fill thread, short of a core,
   * ends its step (with one, 8 callers flat out on two cores were refused "no segment ready" in 2 JMH runs of 4;
   * docs/spool.md, 2026-12-03, night).
   */
  static final int LOW_SPARES = 2;

  private final Path dir;
  private final SpoolSettings settings;
  private final SegmentStore store;
  private final Spares spares;
  private final RateLimitedLogger rateLimited;
  private final SegmentFiller filler;
  private final int target;
  /** At this many spares or fewer, the fills are stopped and spares offered as they are: {@link #lowSpares()}. */
  private final int lowSpares;
  /** Segments created and being filled, in the order they were created (and will be offered). */
  private final ArrayDeque<SegmentFiller.Fill> fills = new ArrayDeque<>();
  /** Some segment is created or filled (counted in the used bytes already, not a spare yet); read by appenders. */
  private volatile boolean preparing;

  /**
   * A preparer whose fills run on {@link SpoolSettings#fillThreads} threads of its own.
   *
   * @param filled run on a fill thread when it has filled a segment (wakes the spool's thread)
   */
  SparePreparer(Path dir, SpoolSettings settings, SegmentStore store, Spares spares, RateLimitedLogger rateLimited,
      Runnable filled) {
    this(dir, settings, store, spares, rateLimited,
        new SegmentFiller(settings.name(), settings.fillThreads(), filled, rateLimited, dir));
  }

  /** A preparer whose fills {@code filler} runs (tests give it an executor of their own). */
  SparePreparer(Path dir, SpoolSettings settings, SegmentStore store, Spares spares, RateLimitedLogger rateLimited,
      SegmentFiller filler) {
    this.dir = dir;
    this.settings = settings;
    this.store = store;
    this.spares = spares;
    this.rateLimited = rateLimited;
    this.filler = filler;
    this.target = (int) Math.max(3, Math.min(64, SPARE_BYTES / settings.segmentBytes()));
    this.lowSpares = Math.max(LOW_SPARES, target / 2);
  }

  /**
   * Whether fewer than half the spares are ready: then the spool's thread prepares and does nothing it can leave
   * (a missing spare is a refusal). Half, not all but one: with the spool's thread no longer mapping every page
   * twice, "all but one" left the lead touch standing back in 10 to 25 % of the loop's turns of some JMH
   * iterations with one caller flat out, while paced callers were refused under neither rule (docs/spool.md,
   * "Measurements", 2026-12-02, evening). Any thread.
   */
  boolean behind() {
    return spares.count() < target / 2;
  }

  /**
   * At how many spares the callers are short: every fill is then stopped after its step and its spare offered as it
   * is, and new spares are offered unfilled while no fill is in flight. Half the spares kept ready (at least
   * {@link #LOW_SPARES}): a stop is not instant (the fill thread must end its {@code pwrite}, and the spool's thread
   * get a core to offer the spare), and with the last two of eight as the line, 8 callers flat out used them up
   * first in 2 JMH runs of 20 (docs/spool.md, "Measurements", 2026-12-03, the fill threads landed). Any thread.
   */
  int lowSpares() {
    return lowSpares;
  }

  /** Whether a segment is being created or filled: its bytes count as used, and a spare will follow. Any thread. */
  boolean preparing() {
    return preparing;
  }

  /**
   * One step: offer the spares filled (in the order they were created), start filling new ones on the fill threads
   * (up to {@link SpoolSettings#fillThreads} at once), or, with nothing of that to do, touch a batch of pages ahead
   * of the appenders. A fill not done when the callers are down to {@link #lowSpares} is stopped and its segment
   * offered as it is (the rest of it sparse, touched like the others).
   *
   * @return true if there is more to do now (not counting fills running: a fill that ends wakes the spool's thread)
   */
  boolean step() throws IOException {
    boolean did = offerFilled();
    while (fills.size() < settings.fillThreads() && spares.count() + fills.size() < target
        && store.reserve(settings.maxBytes())) {
      preparing = true;
      Segment s;
      try {
        s = store.createReserved(); // gives the reservation back if it fails
      } catch (IOException | RuntimeException e) {
        preparing = !fills.isEmpty();
        throw e;
      }
      if (fills.isEmpty() && spares.count() <= lowSpares) {
        // Callers short of spares and no fill ahead of this one: offered at once, unfilled (callers zero its pages
        // as they reach them, as with no fill at all); a refusal would be worse than a slow page.
        offer(s);
        return true; // one a step: the spool's thread looks at its other work (and at a close) in between
      }
      try {
        fills.addLast(filler.start(s));
      } catch (RuntimeException e) { // the filler was shut down: the spool is closing
        retireUnused(s);
        preparing = !fills.isEmpty();
        throw e;
      }
      did = true;
    }
    return did || touchAhead();
  }

  /**
   * Offers the spares whose fills ended, oldest first. If the callers are down to {@link #lowSpares}, every fill is
   * asked to stop after its step, so that the spares come as fast as the fill threads get a core; the spool's
   * thread never waits for one: it must stay free to offer the next spare the moment it can.
   */
  private boolean offerFilled() throws IOException {
    boolean offered = false;
    while (!fills.isEmpty()) {
      SegmentFiller.Fill f = fills.peekFirst();
      if (!f.done()) {
        if (spares.count() > lowSpares) {
          break; // callers have room
        }
        fills.forEach(SegmentFiller.Fill::requestStop);
        if (!f.done()) {
          break; // a fill step still runs: its end wakes the spool's thread to offer it
        }
      }
      fills.pollFirst();
      offer(f.segment);
      offered = true;
    }
    return offered;
  }

  private void offer(Segment s) throws IOException {
    try {
      spares.offer(s);
    } finally {
      preparing = !fills.isEmpty();
    }
  }

  /** Creates and fills the spares the spool keeps ready, as far as {@code maxBytes} allows; at open. */
  void prepareAll() throws IOException {
    while (spares.count() < target && store.reserve(settings.maxBytes())) {
      Segment s = store.createReserved();
      fillWhole(s);
      spares.offer(s);
    }
  }

  /** Fills a segment no appender can reach yet to its end (at open: the first segment and the spares). */
  void fillWhole(Segment s) {
    boolean more = true;
    while (more) {
      more = SegmentFiller.fillStep(s, rateLimited, dir);
    }
  }

  /**
   * At close, once the spool's thread has stopped: stops the fills and retires their segments, waiting at most a
   * second for a fill step in progress (one stuck on the disk leaves its segment and those after it for the next
   * start, which deletes them as empty); then lets the fill threads end, and waits for them within that second.
   */
  void retireFilling() throws IOException {
    long deadline = System.nanoTime() + 1_000_000_000L;
    try {
      while (!fills.isEmpty() && fills.peekFirst().stop(deadline)) {
        retireUnused(fills.pollFirst().segment);
      }
    } finally {
      filler.shutdownAndAwait(deadline);
    }
  }

  /** Deletes a segment no appender ever reached, its write windows unmapped now rather than by the collector. */
  private void retireUnused(Segment s) throws IOException {
    s.releaseWindows();
    store.retire(s);
  }

  /** At close, with the spool's thread stuck: lets the fill threads end once their fills have. Any thread. */
  void stopFillThreads() {
    filler.shutdown();
  }

  /** Allocates a batch of pages of the segments ahead (and of the current one); true if some are left. */
  private boolean touchAhead() {
    for (Segment s : spares.ahead()) {
      if (s.touch(Segment.TOUCH_STEP_PAGES)) {
        return true;
      }
    }
    return false;
  }
}
