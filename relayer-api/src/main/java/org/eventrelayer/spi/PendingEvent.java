package org.eventrelayer.spi;

import java.util.Map;
import java.util.Objects;

/**
 * An event a relayer accepted, not yet built: the caller's thread only validated it. The service calls
 * {@link #build()} on its own worker thread. Made to be extended by relayer implementations.
 */
public abstract class PendingEvent {

  private final String stream;
  private final DeliveryTracker tracker;

  /**
   * Creates the pending event.
   *
   * @param stream the stream it belongs to
   * @param tracker where its outcome is reported
   */
  protected PendingEvent(String stream, DeliveryTracker tracker) {
    this.stream = Objects.requireNonNull(stream, "stream");
    this.tracker = Objects.requireNonNull(tracker, "tracker");
  }

  /** The stream this event belongs to. */
  public final String stream() {
    return stream;
  }

  /** Where this event's outcome is reported. */
  public final DeliveryTracker tracker() {
    return tracker;
  }

  /**
   * Builds the JSON object to deliver. Called on a worker thread, once per service the event was accepted by;
   * must not throw for an event that passed the relayer's validation.
   */
  public abstract Map<String, Object> build();

  /**
   * A cheap estimate, computed on the caller's thread, of the event's size as compact UTF-8 JSON. Used for the
   * queue's byte bound and to refuse at once an event that could never fit in a batch.
   */
  public abstract int sizeHint();

  /**
   * An identity under which a still-queued equal event makes this one redundant (e.g. a purge's URL), or
   * {@code null} if events of this kind are never coalesced.
   */
  public String coalesceKey() {
    return null;
  }

  /**
   * The compact form a service's spool may keep instead of the built event, or {@code null} (the default): the
   * spool then keeps the serialized event, built on the caller's thread. See {@link SpoolCodec}. A service whose
   * events are signed ({@code signing.*}) always keeps the serialized event.
   */
  public SpoolCodec spoolCodec() {
    return null;
  }
}
