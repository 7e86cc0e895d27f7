package org.eventrelayer.core;

import java.util.ArrayList;
import java.util.List;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;

/**
 * One accepted event on its way. Created on a caller's thread (or by the worker reading the spool back), then owned
 * by the worker: only the coalescing followers are shared, guarded by the entry's monitor.
 */
final class Entry implements QueueItem {
  final PendingEvent source; // null for a record read back from the spool
  final DeliveryTracker tracker;
  final String stream;
  final int sizeHint;
  final Generation generation;
  final long acceptedNanos;
  final long acceptedMillis; // with a spool only
  BatchEvent event; // built on the worker (or, for a spooled event that is not compact, on its caller's thread)
  int attempts;
  long dueNanos; // while waiting in the retry schedule: when to send it again
  long retryOrder; // ties of dueNanos keep the order in which events were scheduled
  int maxBatch = Integer.MAX_VALUE; // after an unreadable answer: the most events its next batch may hold
  long seq = -1; // the spool record's, once written
  String failure; // why it could not be built (EventBuilder)
  String failureJson;
  String coalesceKey; // set while equal purges may follow this one
  private List<DeliveryTracker> followers; // guarded by this; frozen once taken
  private List<Generation> followerGenerations; // spool: of the equal events read back that follow this one
  private long[] followerSeqs; // spool: their records, final once this one is
  private int followerSeqCount;
  boolean flying; // worker: in a batch sent and not answered yet (an equal event read back must not follow it)
  private boolean taken; // guarded by this

  Entry(PendingEvent source, int sizeHint, Generation generation, long acceptedNanos, long acceptedMillis) {
    this(source, source.tracker(), source.stream(), sizeHint, generation, acceptedNanos, acceptedMillis);
  }

  Entry(PendingEvent source, DeliveryTracker tracker, String stream, int sizeHint, Generation generation,
      long acceptedNanos, long acceptedMillis) {
    this.source = source;
    this.tracker = tracker;
    this.stream = stream;
    this.sizeHint = sizeHint;
    this.generation = generation;
    this.acceptedNanos = acceptedNanos;
    this.acceptedMillis = acceptedMillis;
  }

  @Override
  public long acceptedNanos() {
    return acceptedNanos;
  }

  /**
   * Lets an equal event offered later share this one's fate; false once the worker has taken this one (a queued
   * entry), or while it is in flight (one the spool's reader holds: the intake may have taken it already).
   */
  synchronized boolean follow(DeliveryTracker tracker) {
    // flying is the worker's and set only on entries past take() or read back by the worker, which alone asks
    // then: a caller never reads it, since taken comes first.
    if (taken || flying) {
      return false;
    }
    if (followers == null) {
      followers = new ArrayList<>(2);
    }
    followers.add(tracker);
    return true;
  }

  /** Ends the window in which equal events may follow this one. */
  synchronized void take() {
    taken = true;
  }

  private synchronized List<DeliveryTracker> followers() {
    return followers == null ? List.of() : followers;
  }

  /**
   * Spool, worker: an equal event read back (record {@code seq}) follows this one; its generation is left, and its
   * record made final, when this one is final.
   */
  void followerRecord(Generation g, long seq) {
    if (followerGenerations == null) {
      followerGenerations = new ArrayList<>(2);
    }
    followerGenerations.add(g);
    if (followerSeqs == null || followerSeqCount == followerSeqs.length) {
      followerSeqs = java.util.Arrays.copyOf(followerSeqs == null ? new long[0] : followerSeqs,
          Math.max(4, followerSeqCount * 2));
    }
    followerSeqs[followerSeqCount++] = seq;
  }

  /** Spool, worker: the records of the equal events that followed this one. */
  void forEachFollowerSeq(java.util.function.LongConsumer action) {
    for (int i = 0; i < followerSeqCount; i++) {
      action.accept(followerSeqs[i]);
    }
  }

  /** Leaves the followers' generations (once they were told this one's outcome). */
  void leaveFollowerGenerations() {
    if (followerGenerations != null) {
      for (Generation g : followerGenerations) {
        g.leave();
      }
      followerGenerations = null;
    }
  }

  void followersDelivered() {
    for (DeliveryTracker t : followers()) {
      t.delivered();
    }
  }

  void followersDeadLettered(String reason) {
    for (DeliveryTracker t : followers()) {
      t.deadLettered(reason);
    }
  }

  void followersDropped(String reason) {
    for (DeliveryTracker t : followers()) {
      t.dropped(reason);
    }
  }

  void followersSpooled(String reason) {
    for (DeliveryTracker t : followers()) {
      t.spooled(reason);
    }
  }
}
