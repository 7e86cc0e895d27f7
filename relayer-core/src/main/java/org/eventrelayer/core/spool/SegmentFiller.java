package org.eventrelayer.core.spool;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.core.RateLimitedLogger;

/**
 * Fills new spare segments with zeros ({@link Segment#fill}) on threads of its own, one segment per thread, several
 * at once, so that the spool's thread only creates, offers and touches them.
 *
 * <p>Why threads of their own, and several: filling is most of what preparing new spool costs (a {@code pwrite} of
 * zeros per page, 1 to 6 µs where every new page is a fault in the host), and 8 callers flat out write 200 to 260
 * MB of spool a second, so it wants about half a core. The kernel gives each runnable thread its share of the
 * cores, and the spool's thread alone, one thread in ten, got about 0.2 of one; the callers then reached pages not
 * filled yet and zeroed them themselves, mid-{@code notify}. Fills of different files run in parallel (one file's
 * buffered writes take its inode lock in turn), so each fill thread is one more share. Measured on a 2-vCPU guest:
 * 8 callers' p99 0.60x to 1.93x memory mode's in 10 runs with three fill threads, 2.25x to 6.2x with the
 * fill on the spool's thread (docs/spool.md, "Measurements", 2026-12-03, the fill threads landed). Idle fill
 * threads end after {@link #IDLE_SECONDS}.
 */
final class SegmentFiller {

  /** How long a fill thread waits for work before it ends (a new one starts with the next fill). */
  static final long IDLE_SECONDS = 30;

  private final RateLimitedLogger rateLimited;
  private final Object spool;
  private final Runnable filled;
  private final Executor executor;
  private final ThreadPoolExecutor pool;
  /** Every fill thread started, so that a close can wait until none is alive (the pool's end comes just before). */
  private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();

  /**
   * Fill threads named {@code eventrelayer-<name>-spool-fill-<n>}, daemons, at most {@code maxThreads} of them.
   *
   * @param filled run on the fill thread after each fill ends (wakes the spool's thread to offer the segment)
   */
  SegmentFiller(String name, int maxThreads, Runnable filled, RateLimitedLogger rateLimited, Object spool) {
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(maxThreads, maxThreads, IDLE_SECONDS, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "eventrelayer-" + name + "-spool-fill-" + n.incrementAndGet());
          t.setDaemon(true);
          threads.removeIf(old -> !old.isAlive()); // those ended idle
          threads.add(t);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    this.executor = pool;
    this.filled = filled;
    this.rateLimited = rateLimited;
    this.spool = spool;
  }

  /** With the fills run by {@code executor} (tests). */
  SegmentFiller(Executor executor, Runnable filled, RateLimitedLogger rateLimited) {
    this.pool = null;
    this.executor = executor;
    this.filled = filled;
    this.rateLimited = rateLimited;
    this.spool = "test";
  }

  /**
   * One {@link Segment#fill} step, on any thread that may write to the segment.
   *
   * @return true while some of the segment is left to fill; false once filled, or if the file system refused (the
   *     segment stays usable, unfilled; logged, rate-limited)
   */
  static boolean fillStep(Segment s, RateLimitedLogger rateLimited, Object spool) {
    try {
      return s.fill();
    } catch (IOException e) {
      rateLimited.warn("spool-fill", "eventrelayer spool {}: cannot fill segment {} ahead ({}); its pages are "
          + "allocated as the spool's thread or the appenders reach them", spool, s, e.toString());
      return false;
    }
  }

  /** Starts filling a segment that no appender can reach yet; the spool's thread offers it once {@link Fill#done}. */
  Fill start(Segment s) {
    Fill f = new Fill(s);
    executor.execute(f::run);
    return f;
  }

  /** Lets the fill threads end once their fills have; fills started after this are refused. Any thread. */
  void shutdown() {
    if (pool != null) {
      pool.shutdown();
    }
  }

  /**
   * {@link #shutdown} and waits, at most until {@code deadlineNanos}, for the fill threads to end (at close, once
   * every fill has: so that a closed spool leaves no thread behind).
   */
  void shutdownAndAwait(long deadlineNanos) {
    shutdown();
    try {
      for (Thread t : threads) {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One segment being filled. Started, stopped and polled by the spool's thread; run by a fill thread. */
  final class Fill {
    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int STOPPING = 2;
    private static final int ENDED = 3;

    final Segment segment;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final CountDownLatch ended = new CountDownLatch(1);

    private Fill(Segment segment) {
      this.segment = segment;
    }

    /** Whether the fill has ended: filled, stopped, or failed (then the segment is usable, partly sparse). */
    boolean done() {
      return state.get() == ENDED;
    }

    /**
     * Asks the fill to stop after its current step ({@link Segment#FILL_STEP}) without waiting for it; a fill not
     * started yet never starts. The fill's end runs the filler's {@code filled} callback as any end does.
     *
     * @return whether the fill has ended already (then no fill thread writes to the segment again)
     */
    boolean requestStop() {
      if (state.compareAndSet(NEW, ENDED)) {
        ended.countDown();
        return true;
      }
      state.compareAndSet(RUNNING, STOPPING);
      return done();
    }

    /**
     * {@link #requestStop} and waits for the step in progress, at most until {@code deadlineNanos}.
     *
     * @return whether the fill has ended (false: a step still runs at the deadline, a file system that hangs)
     */
    boolean stop(long deadlineNanos) {
      if (requestStop()) {
        return true;
      }
      try {
        return ended.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return done();
      }
    }

    private void run() {
      if (!state.compareAndSet(NEW, RUNNING)) {
        return; // stopped before it started
      }
      try {
        while (state.get() == RUNNING && fillStep(segment, rateLimited, spool)) {
          // one step of FILL_STEP bytes at a time, so that a stop waits for one step at most
        }
      } catch (RuntimeException e) {
        rateLimited.error("spool-fill-failed", "eventrelayer spool {}: filling segment {} failed: {}", spool,
            segment, e.toString());
      } finally {
        state.set(ENDED);
        ended.countDown();
        filled.run();
      }
    }
  }
}
