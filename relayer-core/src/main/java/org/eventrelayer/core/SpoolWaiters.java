package org.eventrelayer.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.eventrelayer.spi.DeliveryTracker;

/**
 * Who waits on each record a run appended to the spool and the worker has not read back: its caller's tracker, by
 * sequence number. Sequence numbers have no holes, so this is an array in chunks of 4,096 (4 bytes a record with
 * compressed oops) rather than a map: a caller's registration is one store into the chunk it lands in, without
 * allocation, and the worker drops each chunk once it has read past it. Only records whose caller waits are
 * registered ({@code spool.trackedEvents}); a chunk none of whose records is registered is never created.
 *
 * <p>Threads: callers {@link #put} (concurrently, each its own sequence number); the worker {@link #take}s, in
 * sequence order.
 */
final class SpoolWaiters {

  private static final int SHIFT = 12;
  private static final int SIZE = 1 << SHIFT;
  private static final int MASK = SIZE - 1;

  private final ConcurrentHashMap<Long, Chunk> chunks = new ConcurrentHashMap<>();
  /** The chunk callers registered in last: nearly every registration lands in it. */
  private volatile Chunk recent;
  // Worker-confined.
  private long lowestChunk = -1;
  private DeliveryTracker takenTracker;

  /** Caller: registers who waits on record {@code seq}, which its own append just returned. */
  void put(long seq, DeliveryTracker tracker) {
    // A volatile store: the caller reads whether the worker's marker is queued next, and the worker, having
    // cleared it, reads this slot (see MappedEventSpool#read): one of the two must see the other's write.
    chunk(seq >>> SHIFT).trackers.set((int) (seq & MASK), tracker);
  }

  private Chunk chunk(long number) {
    Chunk c = recent;
    if (c == null || c.number != number) {
      c = chunks.get(number);
      if (c == null) {
        // Made outside the map's lock (computeIfAbsent would hold it while allocating): a caller descheduled here
        // must not hold up the others, who land in the same chunk.
        Chunk made = new Chunk(number);
        c = chunks.putIfAbsent(number, made);
        if (c == null) {
          c = made;
        }
      }
      recent = c;
    }
    return c;
  }

  /** Whether record {@code seq}'s caller has registered (worker or any thread). */
  boolean registered(long seq) {
    Chunk c = chunks.get(seq >>> SHIFT);
    return c != null && c.trackers.get((int) (seq & MASK)) != null;
  }

  /**
   * Worker: takes the registration of record {@code seq} (then {@link #tracker()} holds it); false if its caller
   * has not registered yet. Drops the chunks below it.
   */
  boolean take(long seq) {
    long number = seq >>> SHIFT;
    Chunk c = chunks.get(number);
    int i = (int) (seq & MASK);
    DeliveryTracker t = c == null ? null : c.trackers.get(i);
    if (t == null) {
      return false;
    }
    takenTracker = t;
    c.trackers.setPlain(i, null);
    if (lowestChunk < 0) {
      lowestChunk = number;
    }
    while (lowestChunk < number) { // every record of the chunks below was read (or never published)
      chunks.remove(lowestChunk++);
    }
    return true;
  }

  /** The tracker of the record {@link #take} took last. */
  DeliveryTracker tracker() {
    return takenTracker;
  }

  /**
   * At close, once no caller can append any more: calls {@code each} for every registration not taken, removes
   * them all, and returns how many there were.
   */
  long drain(java.util.function.Consumer<DeliveryTracker> each) {
    long n = 0;
    for (Chunk c : chunks.values()) {
      for (int i = 0; i < SIZE; i++) {
        DeliveryTracker t = c.trackers.getAcquire(i);
        if (t != null) {
          each.accept(t);
          c.trackers.set(i, null);
          n++;
        }
      }
    }
    chunks.clear();
    recent = null;
    return n;
  }

  /** 4,096 consecutive records' registrations. */
  private static final class Chunk {
    final long number;
    final AtomicReferenceArray<DeliveryTracker> trackers = new AtomicReferenceArray<>(SIZE);

    Chunk(long number) {
      this.number = number;
    }
  }
}
