package org.eventrelayer.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.time.Duration;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;

/**
 * A relayer that validates each event on the caller's thread, wraps it as a {@link PendingEvent} and offers it to
 * its event service(s). An event offered to several services (fan-out) is accepted only if every one accepted it.
 */
abstract class ServiceRelayer extends AbstractRelayer {

  private final List<EventService> services;

  ServiceRelayer(String name, String type, List<EventService> services) {
    super(name, type);
    this.services = List.copyOf(services);
  }

  /**
   * Validates one input event and wraps it, or reports why not to {@code refusals} and returns {@code null}.
   * Runs on the caller's thread: validation and cheap copying only.
   */
  abstract PendingEvent prepare(Object event, int index, DeliveryTracker tracker, List<Refusal> refusals);

  /** Whether equal events within one call are relayed once (purges: one event per distinct URL). */
  boolean deduplicates() {
    return false;
  }

  @Override
  protected RelayResult relay(String channel, List<? extends Map<String, ?>> events) {
    DeliveryTracker tracker = new DeliveryTracker();
    List<Refusal> refusals = new ArrayList<>(0);
    Set<String> seen = deduplicates() && events.size() > 1 ? new HashSet<>() : null;
    int accepted = 0;
    for (int i = 0, n = events.size(); i < n; i++) {
      Object raw = events.get(i);
      PendingEvent pending = prepare(raw, i, tracker, refusals);
      if (pending == null) {
        continue;
      }
      if (seen != null && !seen.add(pending.coalesceKey())) {
        accepted++; // a duplicate within the call: the first one carries it
        continue;
      }
      Refusal refusal = offerToAll(pending, tracker);
      if (refusal == null) {
        accepted++;
      } else {
        refusals.add(new Refusal(i, refusal.reason(), refusal.detail()));
      }
    }
    tracker.seal();
    return new RelayResult(accepted, refusals, tracker.future());
  }

  private Refusal offerToAll(PendingEvent pending, DeliveryTracker tracker) {
    Refusal first = null;
    for (int s = 0, n = services.size(); s < n; s++) {
      tracker.expect();
      Refusal r = services.get(s).offer(pending);
      if (r != null) {
        tracker.unexpect();
        if (first == null) {
          first = n == 1 ? r : new Refusal(0, r.reason(), r.detail()
              + (s > 0 ? " (already accepted by " + s + " other listener(s))" : ""));
        }
      }
    }
    return first;
  }

  @Override
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean all = true;
    for (EventService s : services) {
      all &= s.flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    return all;
  }

  static Refusal refusal(int index, RefusalReason reason, String detail) {
    return new Refusal(index, reason, detail);
  }

  /** The services this relayer offers to, in order; for {@link OutboxSupport}. */
  List<EventService> services() {
    return services;
  }
}
