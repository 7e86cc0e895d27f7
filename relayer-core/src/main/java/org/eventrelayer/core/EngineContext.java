package org.eventrelayer.core;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * What the parts of one engine share, made for sharing: the service's name and settings, its counters, the
 * lock-free queue from the callers (and the spool) to the worker, the clock, the flush generation, the
 * lifecycle flags that {@code close()} raises, and the worker's wake-up.
 */
final class EngineContext {

  final String name;
  final String type;
  final EngineSettings settings;
  final ServiceCounters counters = new ServiceCounters();
  final ConcurrentLinkedQueue<QueueItem> queue = new ConcurrentLinkedQueue<>();
  final EngineClock clock;
  final RateLimitedLogger rateLimited;

  private volatile Generation generation = new Generation(null);
  /** close() began: refuse new events, drain. */
  volatile boolean closing;
  /** close()'s graceful part is over: the worker stops at its next step. */
  volatile boolean stopNow;
  /** The worker has exited: whatever is queued after this is dropped by whoever queued it. */
  volatile boolean terminated;
  private volatile Thread worker;
  private volatile boolean workerIdle;

  EngineContext(String name, String type, EngineSettings settings, EngineClock clock,
      RateLimitedLogger rateLimited) {
    this.name = name;
    this.type = type;
    this.settings = settings;
    this.clock = clock;
    this.rateLimited = rateLimited;
  }

  /** The generation that events accepted now join. */
  Generation generation() {
    return generation;
  }

  /** Starts a new generation and returns the one it replaces (for flush to wait on). */
  synchronized Generation seal() {
    Generation sealed = generation;
    generation = new Generation(sealed);
    return sealed;
  }

  void worker(Thread worker) {
    this.worker = worker;
  }

  /** Marks the worker as about to park (true) or awake (false). Worker only. */
  void workerIdle(boolean idle) {
    workerIdle = idle;
  }

  /** Wakes the worker if it is parked waiting for work. */
  void wakeIfIdle() {
    if (workerIdle) {
      LockSupport.unpark(worker);
    }
  }

  /** Wakes the worker whatever it waits for. */
  void wake() {
    LockSupport.unpark(worker);
  }
}
