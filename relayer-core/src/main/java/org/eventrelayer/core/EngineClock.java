package org.eventrelayer.core;

import java.util.concurrent.locks.LockSupport;

/**
 * The engine's time and waiting, injected so that engine tests drive time instead of waiting for it. Every part
 * of the engine reads time and parks through one instance; {@link #SYSTEM} is the real one.
 */
interface EngineClock {

  /** The real clock: {@link System#nanoTime()}, {@link System#currentTimeMillis()}, {@link LockSupport}. */
  EngineClock SYSTEM = new EngineClock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
      return System.currentTimeMillis();
    }

    @Override
    public void parkNanos(Object blocker, long nanos) {
      LockSupport.parkNanos(blocker, nanos);
    }
  };

  /** A monotonic time in nanoseconds, as {@link System#nanoTime()}. */
  long nanoTime();

  /** The wall-clock time in milliseconds, as {@link System#currentTimeMillis()}: stored with spooled events. */
  long currentTimeMillis();

  /** Parks the calling thread for at most {@code nanos}; {@link LockSupport#unpark} ends the wait early. */
  void parkNanos(Object blocker, long nanos);
}
