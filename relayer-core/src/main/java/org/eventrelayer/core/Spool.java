package org.eventrelayer.core;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.eventrelayer.Refusal;
import org.eventrelayer.spi.PendingEvent;

/**
 * Where accepted events are kept durable between the caller and the destination: {@link MappedEventSpool} (the
 * memory-mapped spool, {@code spoolDir} set) or {@link MemorySpool} (memory mode: nothing is kept, every method a no-op or the
 * memory answer). The engine calls it from three kinds of threads, as each method says: callers ({@link #offer}),
 * the worker, and {@code close()}.
 *
 * <p>Protocol: a spool that {@link #takesOffers()} receives every accepted event through {@link #offer}, makes
 * it durable, and puts it on the engine's queue ({@link EngineContext#queue}) as an {@link Entry} (in memory, with
 * {@link Entry#seq} set) or as a {@link SpoolRun} (only on disk) that the worker reads back through
 * {@link #read}. The worker reports each event it takes into a batch ({@link #consumed}) and each that becomes
 * final ({@link #finished}), and calls {@link #checkpoint()} after each batch and when idle, so the spool can
 * record what no longer needs replaying. At exit the worker hands over what is not final ({@link #leave}).
 */
interface Spool {

  /** Whether callers' events go through {@link #offer} (false: the engine queues them in memory itself). */
  boolean takesOffers();

  /**
   * Caller thread: takes an accepted event (already checked against the size limit). Never blocks, never does
   * I/O. Counts the event accepted, or the refusal.
   *
   * @return {@code null} if taken, else the refusal (queue or spool full)
   */
  Refusal offer(PendingEvent event, int sizeHint);

  /**
   * Worker: the next record of a run on disk as an entry, or {@code null} once the run is exhausted (then it has
   * been removed from the head of the queue).
   */
  Entry read(SpoolRun run) throws IOException;

  /** Worker: {@code e}, taken from the queue, is now in a batch. */
  void consumed(Entry e);

  /** Worker (or the thread dropping it): {@code e} became final. */
  void finished(Entry e);

  /** Worker: records what became final since the last call (cheap when nothing did). */
  void checkpoint();

  /**
   * Worker, when closing: whether what is left may stay where it is rather than wait for the destination (every
   * event is durable and the writer is done).
   */
  boolean mayLeaveRest();

  /** Worker, when closing: whether the spool has nothing more to hand to the worker. */
  boolean drained();

  /**
   * Worker, at exit: {@code left} (assembled, or waiting for a retry; counted queued) and everything still queued
   * end here: kept for the next start (counted spooled), or dropped through {@code verdicts} (memory mode).
   */
  void leave(List<Entry> left, Verdicts verdicts);

  /**
   * flush(), before it seals the generation: a mark of everything accepted so far that the spool tracks itself
   * rather than through generations (its records); see {@link #awaitFinal}.
   */
  long flushMark();

  /** flush(): waits until everything before {@code mark} is final, or the deadline passes; false then. */
  boolean awaitFinal(long mark, long deadlineNanos);

  /** Waits until every event accepted before the call is forced to the device; {@code false} without a spool. */
  boolean awaitDurable(Duration timeout);

  /** Whether {@code close()} should let a send finish rather than cut it: nothing is lost by waiting. */
  boolean patientAtClose();
}
