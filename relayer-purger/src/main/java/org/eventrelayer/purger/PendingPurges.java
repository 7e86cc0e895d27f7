package org.eventrelayer.purger;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Purges waiting for their coalescing window, by URL: an equal URL polled meanwhile joins the waiting purge
 * instead of becoming a second one. A purge already sent is never joined (the page may have been cached again
 * since), so coalescing never loses a change. Owned by the consumer thread.
 */
final class PendingPurges {

  private final LinkedHashMap<String, Purge> waiting = new LinkedHashMap<>();
  private final long windowNanos;

  PendingPurges(long windowNanos) {
    this.windowNanos = windowNanos;
  }

  /**
   * Adds a record's purge.
   *
   * @return {@code true} if it joined an equal purge already waiting
   */
  boolean add(PurgeRecords.Request request, Purge.RecordRef ref, long nowNanos) {
    Purge p = waiting.get(request.url());
    boolean joined = p != null;
    if (!joined) {
      p = new Purge(request.url(), request.eventMillis(), request.requestId(), nowNanos);
      waiting.put(request.url(), p);
    }
    p.add(ref);
    return joined;
  }

  /** Removes and returns the purges whose window has passed (all of them when {@code all}), oldest first. */
  List<Purge> due(long nowNanos, boolean all) {
    List<Purge> out = new ArrayList<>();
    Iterator<Purge> it = waiting.values().iterator();
    while (it.hasNext()) {
      Purge p = it.next();
      if (!all && nowNanos - p.firstSeenNanos < windowNanos) {
        break; // insertion order is first-seen order: the rest are younger
      }
      out.add(p);
      it.remove();
    }
    return out;
  }

  /** Nanoseconds until the oldest waiting purge is due, or {@code Long.MAX_VALUE} if none waits. */
  long nanosToNextDue(long nowNanos) {
    if (waiting.isEmpty()) {
      return Long.MAX_VALUE;
    }
    Purge oldest = waiting.values().iterator().next();
    return Math.max(0, oldest.firstSeenNanos + windowNanos - nowNanos);
  }

  int size() {
    return waiting.size();
  }
}
