package org.eventrelayer.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The events accepted between two flushes. {@code flush()} seals the current generation and waits until it and
 * every older one has no event left that is not final; entries leave their generation when they become final.
 */
final class Generation {

  /**
   * The generation of the spool's records: nobody waits on it (a flush waits for the spool's own watermark, see
   * {@link Spool#flushMark()}), so entering and leaving it costs nothing.
   */
  static final Generation UNCOUNTED = new Generation(null);

  private final AtomicLong outstanding = new AtomicLong(1); // 1 = the seal, removed by flush()
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private volatile Generation previous;

  Generation(Generation previous) {
    this.previous = previous;
  }

  void enter() {
    if (this != UNCOUNTED) {
      outstanding.incrementAndGet();
    }
  }

  void leave() {
    if (this != UNCOUNTED && outstanding.decrementAndGet() == 0) {
      done.complete(null);
    }
  }

  /** {@link #enter()} {@code n} times at once. */
  void enter(long n) {
    outstanding.addAndGet(n);
  }

  /** {@link #leave()} {@code n} times at once. */
  void leave(long n) {
    if (n > 0 && outstanding.addAndGet(-n) == 0) {
      done.complete(null);
    }
  }

  /** The nearest older generation that is not done yet, unlinking the done ones in between. */
  Generation previous() {
    Generation p = previous;
    while (p != null && p.done.isDone()) {
      p = p.previous;
    }
    previous = p;
    return p;
  }

  /** Waits until this generation is done or the deadline passes. */
  boolean await(long deadlineNanos) {
    long remaining = deadlineNanos - System.nanoTime();
    if (done.isDone()) {
      return true;
    }
    if (remaining <= 0) {
      return false;
    }
    try {
      done.get(remaining, TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }
}
