package org.eventrelayer.cli.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;

/**
 * Relays URLs from a {@link UrlReader} one {@code notify} each, so that every URL has its own outcome, and keeps at
 * most {@code window} of them outstanding: when the window is full, or the service refuses with
 * {@code queue-full}, the reader waits for the oldest outcome instead of refusing anything. Memory is therefore
 * bounded by the window, whatever the input's size. Runs on one thread (the caller's); only the counters are
 * read by others.
 */
public final class PurgePump {

  private static final long QUEUE_FULL_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final int ESTIMATE_EVERY = 1024;
  /** How long a wait for an outcome lasts before the pump looks at {@link #cancel()} again. */
  private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /** One accepted URL waiting for its outcome. */
  private record Pending(String url, long line, CompletableFuture<DeliveryReport> outcome) {}

  private final EventRelayer relayer;
  private final String channel;
  private final int window;
  private final boolean dryRun;
  private final Pacer pacer;
  private final FailedUrls failed;
  private final PurgeCounters counters;
  private final ArrayDeque<Pending> outstanding = new ArrayDeque<>();
  private volatile String stopReason; // set by another thread (Ctrl-C): stop as if the deadline had passed

  /**
   * Creates the pump.
   *
   * @param relayer the channel's relayer
   * @param channel the channel to notify
   * @param window most URLs outstanding at once; keep it below the service's {@code queueCapacity}
   * @param dryRun whether the relayer only validates (outcomes are then not awaited)
   * @param pacer the rate limit
   * @param failed where refused, dead-lettered and dropped URLs are listed
   * @param counters what the run has done, for progress and the summary
   */
  public PurgePump(EventRelayer relayer, String channel, int window, boolean dryRun, Pacer pacer, FailedUrls failed,
      PurgeCounters counters) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1: " + window);
    }
    this.relayer = relayer;
    this.channel = channel;
    this.window = window;
    this.dryRun = dryRun;
    this.pacer = pacer;
    this.failed = failed;
    this.counters = counters;
  }

  /**
   * Makes {@link #run} stop soon, as if its deadline had passed; {@code reason} is given to the URLs not sent.
   * Safe to call from any thread (a shutdown hook on Ctrl-C).
   */
  public void cancel(String reason) {
    stopReason = reason;
  }

  /**
   * Reads and relays the whole input, then waits for every outcome, until {@code deadline} (a
   * {@link System#nanoTime()} value) or {@link #cancel}. When either comes first, the URLs not yet handed to the
   * relayer, including the rest of the input, are listed as failed and counted unread.
   *
   * @return whether the whole input was read and every accepted URL is final
   * @throws IOException if the input cannot be read or the failed file written
   */
  public boolean run(UrlReader reader, long deadline) throws IOException {
    String url;
    while ((url = reader.next()) != null) {
      counters.read.incrementAndGet();
      if (stopReason != null || System.nanoTime() - deadline >= 0) {
        listUnread(url, reader);
        return false;
      }
      if (counters.read.get() % ESTIMATE_EVERY == 0) {
        estimateTotal(reader);
      }
      pacer.acquire(deadline);
      if (!offer(url, reader.lineNumber(), deadline)) {
        listUnread(url, reader);
        return false;
      }
    }
    counters.estimatedTotal.set(counters.read.get());
    while (!outstanding.isEmpty()) {
      if (!awaitOldest(deadline)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Records the outcome of every URL still outstanding; call after the group was closed, which drops and
   * completes what was left. An outcome still unknown after {@code grace} in all is recorded as dropped.
   */
  public void finish(Duration grace) throws IOException {
    long deadline = System.nanoTime() + grace.toNanos();
    while (!outstanding.isEmpty()) {
      Pending p = outstanding.poll();
      DeliveryReport report;
      try {
        report = p.outcome().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | InterruptedException | ExecutionException e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        report = new DeliveryReport(0, 0, 1, "no outcome known when the command ended");
      }
      record(p, report);
    }
  }

  /** Offers one URL, waiting for room while the window or the queue is full; false if the deadline passed. */
  private boolean offer(String url, long line, long deadline) throws IOException {
    while (true) {
      if (outstanding.size() >= window && !awaitOldest(deadline)) {
        return false;
      }
      RelayResult result = relayer.notify(channel, Map.of("url", url));
      if (result.accepted() > 0) {
        counters.accepted.incrementAndGet();
        if (!dryRun) {
          outstanding.add(new Pending(url, line, result.delivery()));
        }
        collectDone();
        return true;
      }
      Refusal refusal = result.refused().get(0);
      if (refusal.reason() != RefusalReason.QUEUE_FULL) {
        counters.refused.incrementAndGet();
        failed.add(url, refusal.reason().code() + ": " + refusal.detail() + " (line " + line + ")");
        return true;
      }
      // The queue bound is the back-pressure: wait for room, then offer the same URL again.
      if (outstanding.isEmpty()) {
        LockSupport.parkNanos(QUEUE_FULL_PAUSE_NANOS); // room is taken by events of an earlier run (spool replay)
        if (System.nanoTime() - deadline >= 0 || stopReason != null) {
          return false;
        }
      } else if (!awaitOldest(deadline)) {
        return false;
      }
    }
  }

  private void collectDone() throws IOException {
    Pending head;
    while ((head = outstanding.peek()) != null && head.outcome().isDone()) {
      outstanding.poll();
      record(head, head.outcome().join());
    }
  }

  /** Waits for the oldest outstanding URL's outcome and records it; false if the deadline or a cancel came first. */
  private boolean awaitOldest(long deadline) throws IOException {
    Pending head = outstanding.peek();
    try {
      DeliveryReport report = null;
      while (report == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || stopReason != null) {
          return false;
        }
        try {
          report = head.outcome().get(Math.min(left, WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          // look at the deadline and at cancel() again
        }
      }
      outstanding.poll();
      record(head, report);
      collectDone();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("delivery tracking failed", e.getCause());
    }
  }

  private void record(Pending p, DeliveryReport report) throws IOException {
    if (report.allDelivered()) {
      counters.delivered.incrementAndGet();
    } else if (report.deadLettered() > 0) {
      counters.deadLettered.incrementAndGet();
      failed.add(p.url(), "dead-lettered: " + report.firstFailure() + " (line " + p.line() + ")");
    } else {
      counters.dropped.incrementAndGet();
      failed.add(p.url(), "dropped: " + report.firstFailure() + " (line " + p.line() + ")");
    }
  }

  private void listUnread(String waiting, UrlReader reader) throws IOException {
    String why = stopReason != null ? stopReason : "the --timeout passed";
    String reason = "not sent: " + why + " before it was relayed";
    long unread = 1;
    failed.add(waiting, reason + " (line " + reader.lineNumber() + ")");
    String url;
    while ((url = reader.next()) != null) {
      unread++;
      failed.add(url, reason + " (line " + reader.lineNumber() + ")");
    }
    counters.unread.set(unread);
    counters.read.addAndGet(unread - 1); // the waiting one was counted already
    counters.estimatedTotal.set(counters.read.get());
  }

  private void estimateTotal(UrlReader reader) {
    long total = reader.totalBytes();
    long done = reader.bytesRead();
    if (total > 0 && done > 0) {
      counters.estimatedTotal.set(Math.max(counters.read.get(), counters.read.get() * total / done));
    }
  }
}
