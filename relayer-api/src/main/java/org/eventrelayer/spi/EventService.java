package org.eventrelayer.spi;

import java.time.Duration;
import org.eventrelayer.Refusal;
import org.eventrelayer.ServiceStats;

/**
 * A destination for events (an HTTP intake, a Kafka cluster) with its own queue and threads. Relayers offer
 * events; the service builds, serializes, batches and delivers them, and reports each outcome to the event's
 * {@link DeliveryTracker}. Implementations are thread-safe.
 */
public interface EventService {

  /** The service's config key. */
  String name();

  /** The provider name of this service's type, e.g. {@code http}. */
  String type();

  /**
   * Checks, at build time, that this service can carry {@code stream} (e.g. that its Kafka topic is valid).
   *
   * @throws IllegalArgumentException with a message saying what is wrong
   */
  void checkStream(String stream);

  /**
   * The largest event, in bytes of compact JSON, this service could ever send; a relayer stops copying a host's
   * event once it is known to be larger, and refuses it as {@code event-too-large}. Unbounded by default.
   */
  default long maxEventBytes() {
    return Long.MAX_VALUE;
  }

  /**
   * Offers one event. Never blocks and never waits on the network.
   *
   * @return {@code null} if the event was accepted (the service now owns it and will report its outcome to
   *     its tracker), or the refusal (with index 0) if not; a refused event is never reported to its tracker
   */
  Refusal offer(PendingEvent event);

  /**
   * Says whether {@link #offer} would refuse {@code event} for what it is (e.g. too large for any batch), without
   * offering it: for callers that keep events elsewhere first (relayer-outbox). Refusals of the moment (queue full,
   * closed) are not checked. The default refuses nothing.
   *
   * @return {@code null} if the event is acceptable, else the refusal (with index 0) offer would return
   */
  default Refusal checkEvent(PendingEvent event) {
    return null;
  }

  /**
   * Waits until every event accepted before this call is final, or the timeout passes.
   *
   * @return whether everything accepted before the call is final
   */
  boolean flush(Duration timeout);

  /** Adds a listener told about every request this service sends; services that send no requests ignore it. */
  default void addSendListener(SendListener listener) {}

  /** Removes a listener added with {@link #addSendListener}. */
  default void removeSendListener(SendListener listener) {}

  /**
   * With a spool: waits until every event accepted before the call is forced to the device, or the timeout
   * passes. (An event a spooling service accepted is in its spool already and survives {@code kill -9}; the force
   * adds an operating-system crash or power loss.) Services without a spool return {@code false} at once.
   *
   * @return whether everything accepted before the call is durable
   */
  default boolean awaitDurable(Duration timeout) {
    return false;
  }

  /** A snapshot of this service's counters and state. */
  ServiceStats stats();

  /**
   * Stops accepting, tries to deliver what is queued until {@code timeout} passes, then drops (and counts) what
   * is left and releases every thread and connection. Idempotent.
   *
   * @return whether everything was final before the deadline
   */
  boolean close(Duration timeout);
}
