package org.eventrelayer.core;

/** What the worker's queue holds: an {@link Entry} in memory, or a {@link SpoolRun} of records on disk. */
interface QueueItem {

  /** When the oldest event of this item was accepted ({@code System.nanoTime()} scale). */
  long acceptedNanos();
}
