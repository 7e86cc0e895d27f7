package org.eventrelayer.cli.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs a task at a fixed rate on a daemon thread of its own, until closed. */
final class Ticker implements AutoCloseable {

  private final ScheduledExecutorService timer;

  private Ticker(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /** Runs {@code task} every {@code interval}, the first time after {@code initialDelay}. */
  static Ticker every(Duration initialDelay, Duration interval, Runnable task) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "eventrelayer-progress");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(task, initialDelay.toMillis(), Math.max(1, interval.toMillis()), TimeUnit.MILLISECONDS);
    return new Ticker(timer);
  }

  /** Stops the task; it does not run after this returns. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
