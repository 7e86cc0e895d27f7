package org.eventrelayer.core;

import java.util.List;

/** The events one {@link Transport#begin(Batch)} must deliver, in queue order. */
public final class Batch {

  private final List<BatchEvent> events;
  private final long jsonArrayBytes;
  private final int attempt;

  Batch(List<BatchEvent> events, long jsonArrayBytes, int attempt) {
    this.events = List.copyOf(events);
    this.jsonArrayBytes = jsonArrayBytes;
    this.attempt = attempt;
  }

  /** A first-attempt batch of {@code events}; for transports' own tests. */
  public static Batch of(List<BatchEvent> events) {
    long bytes = 2L + Math.max(0, events.size() - 1);
    for (BatchEvent e : events) {
      bytes += e.json().length;
    }
    return new Batch(events, bytes, 1);
  }

  /** The events, in order; a {@link SendResult} refers to them by index. */
  public List<BatchEvent> events() {
    return events;
  }

  /** How many events. */
  public int size() {
    return events.size();
  }

  /** The exact size of the events written as one compact JSON array: {@code [e1,e2,...]}. */
  public long jsonArrayBytes() {
    return jsonArrayBytes;
  }

  /** 1 for a first send, 2 for the first retry, and so on (the highest attempt among the batch's events). */
  public int attempt() {
    return attempt;
  }
}
