package org.eventrelayer.jobs.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.jobs.Job;
import org.eventrelayer.jobs.JobHandler;

/**
 * Runs jobs on at most {@code size} threads, each bounded by a timeout. A job is taken only if a slot is free
 * right now: the caller answers 503 otherwise, so the dispatcher retries later instead of requests piling up.
 * A slot is freed when its handler really returns, not when its caller stops waiting, so a handler that ignores
 * interruption keeps its slot and the bound stays true.
 */
public final class JobPool {

  /** How one job ended. */
  public record Outcome(boolean status, String error, List<String> caught, long timeMs) {}

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final int size;
  private final Semaphore slots;
  private final ThreadPoolExecutor executor;
  private final long timeoutNanos;
  private final Duration timeout;

  /**
   * Creates the pool; its threads start on demand and end after a minute idle.
   *
   * @param size the most jobs running at once
   * @param timeout the longest a job may run before it is interrupted and reported failed
   */
  public JobPool(int size, Duration timeout) {
    this.size = size;
    this.slots = new Semaphore(size);
    this.timeout = timeout;
    this.timeoutNanos = timeout.toNanos();
    this.executor = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        threads("eventrelayer-job-" + POOLS.incrementAndGet() + "-"));
    executor.allowCoreThreadTimeOut(true);
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true); // a runner the host forgot to close must not keep its JVM alive
      return t;
    };
  }

  /**
   * Runs {@code job} and waits for it, at most the timeout.
   *
   * @return how it ended, or {@code null} if every slot is taken (or the pool is closed)
   * @throws InterruptedException if the calling thread is interrupted while waiting (the job is interrupted too)
   */
  public Outcome run(JobHandler handler, Job job) throws InterruptedException {
    if (!slots.tryAcquire()) {
      return null;
    }
    long start = System.nanoTime();
    // Whoever sets it owns the slot's release: the job when it starts, or a caller giving up before it started.
    AtomicBoolean started = new AtomicBoolean();
    Future<Outcome> future;
    try {
      future = executor.submit(() -> {
        if (!started.compareAndSet(false, true)) {
          return null; // abandoned while queued
        }
        try {
          handler.run(job);
          return new Outcome(true, null, List.of(), millisSince(start));
        } catch (Exception e) {
          return failed(e, start);
        } finally {
          slots.release();
        }
      });
    } catch (RejectedExecutionException closed) {
      slots.release();
      return null;
    }
    try {
      return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) { // an Error escaped the handler (AssertionError, StackOverflowError...)
      return failed(e.getCause(), start);
    } catch (TimeoutException e) {
      abandon(future, started);
      return new Outcome(false, "the job did not finish within " + timeout + " and was interrupted",
          List.of(TimeoutException.class.getName()), millisSince(start));
    } catch (InterruptedException e) {
      abandon(future, started);
      throw e;
    }
  }

  private void abandon(Future<Outcome> future, AtomicBoolean started) {
    future.cancel(true);
    if (started.compareAndSet(false, true)) {
      slots.release();
    }
  }

  private static Outcome failed(Throwable t, long start) {
    String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
    return new Outcome(false, message, List.of(t.getClass().getName()), millisSince(start));
  }

  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** Slots taken now: jobs running, including timed-out ones whose handler has not returned yet. */
  public int running() {
    return size - slots.availablePermits();
  }

  /**
   * Stops taking jobs, waits up to {@code grace} for running ones, then interrupts them.
   *
   * @return whether every job had ended
   */
  public boolean close(Duration grace) {
    executor.shutdown();
    try {
      if (executor.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
    return false;
  }
}
