package org.eventrelayer.outbox;

/**
 * One claimed outbox row.
 *
 * @param id its id (the order rows were written in, per database sequence)
 * @param channel the channel it was written for
 * @param stream the stream its event belongs to
 * @param coalesceKey its coalescing identity (a purge's URL), or {@code null}
 * @param event the event as JSON, exactly as it will be delivered
 * @param createdMs when the host wrote it (epoch millis)
 */
record OutboxRow(long id, String channel, String stream, String coalesceKey, String event, long createdMs)
    implements Comparable<OutboxRow> {

  @Override
  public int compareTo(OutboxRow o) {
    return Long.compare(id, o.id);
  }
}
