package org.eventrelayer.outbox;

import java.util.List;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;

/**
 * One event on its way for one or more outbox rows (several when equal purges were claimed together). Only the
 * relay thread reads and writes it, except {@link #report}, set once by whichever thread completes the tracker
 * and read by the relay after it took the carrier from the completion queue.
 */
final class Carrier {

  /** Why rows are not relayed: given back to the table, or dead-lettered. */
  enum Failure { RELEASE, DEAD_LETTER }

  final long[] rowIds;
  final RowEvent event;
  final List<EventService> services;
  final DeliveryTracker tracker;
  int nextService;
  Failure failure;
  String failureReason;
  volatile DeliveryReport report;

  Carrier(long[] rowIds, RowEvent event, DeliveryTracker tracker, List<EventService> services) {
    this.rowIds = rowIds;
    this.event = event;
    this.tracker = tracker;
    this.services = services;
  }
}
