package org.eventrelayer.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Events waiting for their next attempt, each on its own, ordered by the time of that attempt (a delay queue).
 * A failed event never blocks the queue behind it: the worker keeps sending new batches and takes a waiting event
 * into the first batch assembled after it is due. Worker only, except {@link #oldestAcceptedNanos()}.
 */
final class RetrySchedule {

  /** {@link #oldestAcceptedNanos()} when nothing waits. */
  static final long NONE = Long.MAX_VALUE;

  private final PriorityQueue<Entry> byDue = new PriorityQueue<>(
      Comparator.<Entry>comparingLong(e -> e.dueNanos).thenComparingLong(e -> e.retryOrder));
  private final TreeMap<Long, Integer> acceptedTimes = new TreeMap<>(); // a multiset, for the oldest
  private long order;
  private volatile long oldestAcceptedNanos = NONE;

  /** Schedules {@code e} for {@code dueNanos}. */
  void add(Entry e, long dueNanos) {
    e.dueNanos = dueNanos;
    e.retryOrder = order++;
    byDue.add(e);
    acceptedTimes.merge(e.acceptedNanos, 1, Integer::sum);
    publishOldest();
  }

  /** The first event due at {@code nowNanos}, removed; or {@code null}. */
  Entry pollDue(long nowNanos) {
    Entry head = byDue.peek();
    if (head == null || head.dueNanos - nowNanos > 0) {
      return null;
    }
    byDue.poll();
    forget(head);
    return head;
  }

  /** Whether an event is due at {@code nowNanos}. */
  boolean hasDue(long nowNanos) {
    Entry head = byDue.peek();
    return head != null && head.dueNanos - nowNanos <= 0;
  }

  /** Nanoseconds until the next event is due (0 if one is), or {@code Long.MAX_VALUE} if none waits. */
  long nanosUntilDue(long nowNanos) {
    Entry head = byDue.peek();
    return head == null ? Long.MAX_VALUE : Math.max(0, head.dueNanos - nowNanos);
  }

  boolean isEmpty() {
    return byDue.isEmpty();
  }

  int size() {
    return byDue.size();
  }

  /** Removes and returns every waiting event, in due order. */
  List<Entry> drain() {
    List<Entry> all = new ArrayList<>(byDue.size());
    Entry e;
    while ((e = byDue.poll()) != null) {
      all.add(e);
    }
    acceptedTimes.clear();
    publishOldest();
    return all;
  }

  /** When the oldest waiting event was accepted, or {@link #NONE}. Any thread. */
  long oldestAcceptedNanos() {
    return oldestAcceptedNanos;
  }

  private void forget(Entry e) {
    acceptedTimes.computeIfPresent(e.acceptedNanos, (k, n) -> n == 1 ? null : n - 1);
    publishOldest();
  }

  private void publishOldest() {
    oldestAcceptedNanos = acceptedTimes.isEmpty() ? NONE : acceptedTimes.firstKey();
  }
}
