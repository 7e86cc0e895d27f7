package org.eventrelayer.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.internal.concurrent.TaskRunner;
import okhttp3.internal.connection.ConnectionListener;
import org.slf4j.LoggerFactory;

/**
 * Gives one OkHttp client a task runner of its own, with named daemon threads that {@link #shutdown()} stops.
 *
 * <p>By default every OkHttp client shares a JVM-wide task runner whose idle thread ("OkHttp TaskRunner") lingers
 * for a minute after the last connection closes; the connection pool's cleanup and the fast-fallback connects run
 * there. With a private runner, closing the transport leaves no OkHttp thread behind. OkHttp exposes the hook only
 * as an internal API, so this class is kept apart: if a future OkHttp drops it, {@link #install} fails with a
 * {@link LinkageError} that the caller catches, falling back to OkHttp's shared runner.
 */
final class PrivateTaskRunner {

  private static final long SHUTDOWN_WAIT_MILLIS = 1_000;

  private final TaskRunner.RealBackend backend;
  /** Threads started for the runner; weak, so that threads that ended of idleness are forgotten. */
  private final Set<Thread> threads;

  private PrivateTaskRunner(TaskRunner.RealBackend backend, Set<Thread> threads) {
    this.backend = backend;
    this.threads = threads;
  }

  /**
   * Installs a private task runner and connection pool on {@code builder}.
   *
   * @param threadName the name of the runner's threads (OkHttp renames them while they run a task)
   * @param maxIdleConnections the pool's idle-connection limit
   * @param keepAliveMillis how long an idle connection is kept
   */
  static PrivateTaskRunner install(OkHttpClient.Builder builder, String threadName, int maxIdleConnections,
      long keepAliveMillis) {
    Set<Thread> started = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      started.add(t);
      return t;
    };
    TaskRunner.RealBackend backend = new TaskRunner.RealBackend(factory);
    try {
      TaskRunner runner = new TaskRunner(backend, Logger.getLogger(TaskRunner.class.getName()));
      ConnectionPool pool = new ConnectionPool(maxIdleConnections, keepAliveMillis, TimeUnit.MILLISECONDS, runner,
          ConnectionListener.Companion.getNONE());
      builder.taskRunner$okhttp(runner); // the last internal call: the builder is untouched if any fails
      builder.connectionPool(pool);
    } catch (LinkageError e) {
      backend.getExecutor().shutdownNow();
      throw e;
    }
    return new PrivateTaskRunner(backend, started);
  }

  /**
   * Stops the runner's threads, interrupting any that is waiting for its next task, and waits (briefly) until
   * they have ended, so that a caller checking right after {@code close()} finds none alive.
   */
  void shutdown() {
    backend.getExecutor().shutdownNow();
    // The engine may interrupt its worker when close() runs out of time; wait briefly all the same.
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MILLIS);
    List<Thread> toJoin;
    synchronized (threads) {
      toJoin = new ArrayList<>(threads);
    }
    try {
      for (Thread t : toJoin) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left > 0 && t != Thread.currentThread()) {
          t.join(left);
        }
      }
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (toJoin.stream().anyMatch(Thread::isAlive)) {
      LoggerFactory.getLogger(PrivateTaskRunner.class).debug("OkHttp task threads still ending after {} ms",
          SHUTDOWN_WAIT_MILLIS);
    }
  }
}
