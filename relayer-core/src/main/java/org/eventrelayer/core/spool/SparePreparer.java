package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.eventrelayer.core.RateLimitedLogger;

/**
 * Keeps spare segments ready ahead of the appenders, one short step at a time: creates a segment (its bytes
 * reserved against {@code maxBytes}), fills it with zeros by {@code pwrite}, offers it to the spool, and once enough
 * are ready touches the pages of the segments ahead so that no appender takes their page faults. The spool's
 * thread only (at open, the opening thread before that one starts; at close, the closing one once it has
 * stopped), except {@link #preparing()} and {@link #behind()}. See docs/spool.md, "How it works", step 2.
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

  private final Path dir;
  private final SpoolSettings settings;
  private final SegmentStore store;
  private final Spares spares;
  private final RateLimitedLogger rateLimited;
  private final int target;
  /** Creating or filling a segment (counted in the used bytes already, not a spare yet); read by appenders. */
  private volatile boolean preparing;
  /** The segment being {@link Segment#fill filled} before it is offered. */
  private Segment filling;

  SparePreparer(Path dir, SpoolSettings settings, SegmentStore store, Spares spares, RateLimitedLogger rateLimited) {
    this.dir = dir;
    this.settings = settings;
    this.store = store;
    this.spares = spares;
    this.rateLimited = rateLimited;
    this.target = (int) Math.max(3, Math.min(64, SPARE_BYTES / settings.segmentBytes()));
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

  /** Whether a segment is being created or filled: its bytes count as used, and a spare will follow. Any thread. */
  boolean preparing() {
    return preparing;
  }

  /**
   * One step: create a spare, or fill 1 MiB of it, or offer it, or touch a batch of pages ahead of the appenders.
   *
   * @return true if there is more to do
   */
  boolean step() throws IOException {
    if (filling == null) {
      if (spares.count() >= target || !store.reserve(settings.maxBytes())) {
        return touchAhead();
      }
      preparing = true;
      try {
        filling = store.createReserved();
      } catch (IOException | RuntimeException e) {
        preparing = false;
        throw e;
      }
      return true;
    }
    // Filled before it is offered (a fill must not race an appender), unless the callers are down to their last
    // spare: then it is offered as it is, and touched like the others.
    if (spares.count() > 1 && fillStep(filling)) {
      return true;
    }
    Segment s = filling;
    filling = null;
    try {
      spares.offer(s);
    } finally {
      preparing = false;
    }
    return true;
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
      more = fillStep(s);
    }
  }

  /** At close, once the spool's thread has stopped: retires the segment it was filling, if any. */
  void retireFilling() throws IOException {
    if (filling != null) {
      store.retire(filling);
      filling = null;
    }
  }

  /** One {@link Segment#fill} step; false once filled, or if the file system refused (it stays usable, unfilled). */
  private boolean fillStep(Segment s) {
    try {
      return s.fill();
    } catch (IOException e) {
      rateLimited.warn("spool-fill", "eventrelayer spool {}: cannot fill segment {} ahead ({}); its pages are "
          + "allocated as the spool's thread or the appenders reach them", dir, s, e.toString());
      return false;
    }
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
