package org.eventrelayer.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;

/**
 * What relayer-outbox needs of a relayer, public only for wiring: validating events exactly as
 * {@code notifyMulti} does and building them, without offering them to any service (they go to a database table
 * first), and later offering such built events to the relayer's own services.
 */
public final class OutboxSupport {

  /**
   * One accepted input event, built.
   *
   * @param index its position in the input list
   * @param stream the stream it belongs to
   * @param coalesceKey its coalescing identity (a purge's URL), or {@code null}
   * @param event the JSON object to deliver, with {@code meta.id} and {@code meta.dt} already set where the
   *     relayer sets them
   */
  public record Prepared(int index, String stream, String coalesceKey, Map<String, Object> event) {}

  /**
   * What validating one call's events gave.
   *
   * @param accepted how many input events count as accepted (duplicates within the call included)
   * @param prepared the events to keep, one per distinct accepted event
   * @param refused the refused input events, by index
   */
  public record Validation(int accepted, List<Prepared> prepared, List<Refusal> refused) {}

  private OutboxSupport() {}

  /** Whether {@code relayer} is one of the built-in relayers that can be driven through an outbox. */
  public static boolean supports(EventRelayer relayer) {
    return relayer instanceof ServiceRelayer;
  }

  /**
   * Validates {@code events} as {@code relayer.notifyMulti(channel, events)} would, with the same refusals and
   * reasons, and builds the accepted ones; offers nothing. A relayer that cannot be driven this way (the null
   * relayer, a third-party one) refuses every event with {@link RefusalReason#WRONG_CHANNEL}. Whether the relayer
   * is closed is not checked: kept events wait for a relay.
   */
  public static Validation validate(EventRelayer relayer, String channel, List<? extends Map<String, ?>> events) {
    Objects.requireNonNull(events, "events");
    int n = events.size();
    if (n == 0) {
      return new Validation(0, List.of(), List.of());
    }
    if (channel == null || channel.isBlank()) {
      return refuseAll(n, RefusalReason.INVALID_CHANNEL, "channel must not be null or blank");
    }
    if (!(relayer instanceof ServiceRelayer sr)) {
      return refuseAll(n, RefusalReason.WRONG_CHANNEL, "channel '" + channel + "' is served by " + relayer
          + ", which cannot relay through an outbox (configure a cdn-purge or stream relayer for it)");
    }
    String wrongChannel = sr.checkChannel(channel);
    if (wrongChannel != null) {
      return refuseAll(n, RefusalReason.WRONG_CHANNEL, wrongChannel);
    }
    DeliveryTracker unused = new DeliveryTracker();
    List<Refusal> refusals = new ArrayList<>(0);
    List<Prepared> prepared = new ArrayList<>(n);
    Set<String> seen = sr.deduplicates() && n > 1 ? new HashSet<>() : null;
    int accepted = 0;
    for (int i = 0; i < n; i++) {
      PendingEvent pending = sr.prepare(events.get(i), i, unused, refusals);
      if (pending == null) {
        continue;
      }
      if (seen != null && !seen.add(pending.coalesceKey())) {
        accepted++; // a duplicate within the call: the first one carries it, as the relayer does
        continue;
      }
      Refusal refusal = checkAll(sr.services(), pending);
      if (refusal != null) {
        refusals.add(new Refusal(i, refusal.reason(), refusal.detail()));
        continue;
      }
      accepted++;
      prepared.add(new Prepared(i, pending.stream(), pending.coalesceKey(), pending.build()));
    }
    return new Validation(accepted, prepared, refusals);
  }

  /**
   * The services {@code relayer} offers its events to, in order.
   *
   * @throws IllegalArgumentException if {@link #supports} is false for it
   */
  public static List<EventService> services(EventRelayer relayer) {
    if (!(relayer instanceof ServiceRelayer sr)) {
      throw new IllegalArgumentException(relayer + " cannot relay through an outbox");
    }
    return sr.services();
  }

  private static Refusal checkAll(List<EventService> services, PendingEvent pending) {
    for (int s = 0, n = services.size(); s < n; s++) {
      Refusal r = services.get(s).checkEvent(pending);
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  private static Validation refuseAll(int n, RefusalReason reason, String detail) {
    List<Refusal> refusals = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refusals.add(new Refusal(i, reason, detail));
    }
    return new Validation(0, List.of(), refusals);
  }
}
