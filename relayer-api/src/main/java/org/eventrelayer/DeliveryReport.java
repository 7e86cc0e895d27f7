package org.eventrelayer;

/**
 * The final outcome of the events one {@code notify} call accepted, once every one of them is final.
 *
 * <p>An event relayed to several services (fan-out) counts once per service.
 *
 * @param delivered deliveries confirmed by the destination
 * @param deadLettered deliveries the destination refused for good, or that ran out of retries, handed to the
 *     dead-letter handler
 * @param dropped deliveries abandoned without a verdict (e.g. still queued when the service was closed)
 * @param spooled deliveries not made yet but durable in the service's spool, whose outcome is not reported: kept
 *     there when the service was closed (the next start of the service on the same spool directory makes them;
 *     nobody waits on them then), or accepted while more than {@code spool.trackedEvents} events waited in the
 *     spool (the service makes them, without telling this report)
 * @param firstFailure the reason of the first delivery that was not delivered, or {@code null} if all were
 */
public record DeliveryReport(int delivered, int deadLettered, int dropped, int spooled, String firstFailure) {

  /** A report without spooled deliveries. */
  public DeliveryReport(int delivered, int deadLettered, int dropped, String firstFailure) {
    this(delivered, deadLettered, dropped, 0, firstFailure);
  }

  /** Whether every delivery was confirmed. */
  public boolean allDelivered() {
    return deadLettered == 0 && dropped == 0 && spooled == 0;
  }
}
