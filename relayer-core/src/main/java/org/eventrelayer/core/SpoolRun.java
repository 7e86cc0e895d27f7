package org.eventrelayer.core;

/**
 * The marker, on the worker's queue, of records that wait in the spool: the worker reads them through
 * {@link Spool#read} until it returns {@code null} (the marker has then left the queue; the spool queues it again
 * when more records come).
 */
final class SpoolRun implements QueueItem {

  @Override
  public long acceptedNanos() {
    return Long.MIN_VALUE; // how long the records waited is known per event once read; never holds a batch back
  }
}
