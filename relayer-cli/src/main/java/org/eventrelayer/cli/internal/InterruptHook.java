package org.eventrelayer.cli.internal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C during a purge run: the JVM's shutdown hook cancels the pump, then holds the shutdown until the run has
 * listed what was not delivered and printed its summary (at most {@code grace}). Closing the hook ends the hold,
 * or, when no Ctrl-C came, removes it.
 */
public final class InterruptHook implements AutoCloseable {

  private final Thread hook;
  private final CountDownLatch wrappedUp = new CountDownLatch(1);
  private volatile boolean fired;

  private InterruptHook(PurgePump pump, String reason, Duration grace) {
    this.hook = new Thread(() -> {
      fired = true;
      pump.cancel(reason);
      try {
        wrappedUp.await(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "eventrelayer-interrupt");
  }

  /** Installs the hook for {@code pump}; {@code reason} is given to the URLs not sent. */
  public static InterruptHook install(PurgePump pump, String reason, Duration grace) {
    InterruptHook h = new InterruptHook(pump, reason, grace);
    Runtime.getRuntime().addShutdownHook(h.hook);
    return h;
  }

  /** Whether the JVM is shutting down (Ctrl-C) and the pump was cancelled. */
  public boolean fired() {
    return fired;
  }

  /** The run has wrapped up: lets a Ctrl-C shutdown proceed, or removes the hook. */
  @Override
  public void close() {
    wrappedUp.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down (Ctrl-C): the hook is running and returns now
    }
  }
}
