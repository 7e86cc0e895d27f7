package org.eventrelayer.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;

/**
 * A relayer that validates each event on the caller's thread, wraps it as a {@link PendingEvent} and offers it to
 * its event service(s). An event offered to several services (fan-out) is accepted only if every one accepted it.
 *
 * <p>Whatever a host's event does while it is read (a {@code TreeMap} throwing {@code ClassCastException} on a
 * lookup, a map changed by another thread, a {@code get} that throws, a value too big to copy) becomes a refusal
 * of that event; no exception or error reaches the caller.
 */
abstract class ServiceRelayer extends AbstractRelayer {

  private static final Refusal ACCEPTED = new Refusal(0, RefusalReason.INVALID_EVENT, "accepted");

  private final List<EventService> services;
  private final long maxEventBytes;

  ServiceRelayer(String name, String type, List<EventService> services) {
    super(name, type);
    this.services = List.copyOf(services);
    long max = JsonSnapshot.MAX_SIZE;
    for (EventService s : services) {
      max = Math.min(max, s.maxEventBytes());
    }
    this.maxEventBytes = max;
  }

  /**
   * Validates one input event and wraps it, or reports why not to {@code refusals} and returns {@code null}.
   * Runs on the caller's thread: validation and cheap copying only. May throw whatever the host's event throws.
   */
  abstract PendingEvent prepare(Object event, int index, DeliveryTracker tracker, List<Refusal> refusals);

  /** Whether equal events within one call are relayed once (purges: one event per distinct URL). */
  boolean deduplicates() {
    return false;
  }

  /** The largest event, in bytes of JSON, that every service of this relayer could send. */
  final long maxEventBytes() {
    return maxEventBytes;
  }

  @Override
  protected final RelayResult relay(String channel, List<? extends Map<String, ?>> events) {
    return relay(channel, events, new Duplicates());
  }

  @Override
  protected final RelayResult relay(String channel, List<? extends Map<String, ?>> events, Duplicates duplicates) {
    DeliveryTracker tracker = new DeliveryTracker();
    List<Refusal> refusals = new ArrayList<>(0);
    // A duplicate shares its original's outcome, refusal included: key -> index and outcome of the first one.
    Map<String, Integer> firstIndex = deduplicates() && events.size() > 1 ? new HashMap<>() : null;
    Map<Integer, Refusal> outcomes = firstIndex != null ? new HashMap<>() : null;
    int accepted = 0;
    for (int i = 0, n = events.size(); i < n; i++) {
      PendingEvent pending = prepareSafely(events, i, tracker, refusals);
      if (pending == null) {
        continue;
      }
      if (firstIndex != null) {
        Integer first = firstIndex.putIfAbsent(pending.coalesceKey(), i);
        if (first != null) {
          Refusal original = outcomes.get(first);
          if (original == ACCEPTED) {
            accepted++;
            duplicates.addAccepted();
          } else {
            refusals.add(new Refusal(i, original.reason(),
                "duplicate of event #" + first + " in this call, which was refused: " + original.detail()));
            duplicates.addRefused(original.reason());
          }
          continue;
        }
      }
      Refusal refusal = offerToAll(pending, tracker);
      if (refusal == null) {
        accepted++;
      } else {
        refusals.add(new Refusal(i, refusal.reason(), refusal.detail()));
      }
      if (outcomes != null) {
        outcomes.put(i, refusal == null ? ACCEPTED : refusal);
      }
    }
    tracker.seal();
    return new RelayResult(accepted, refusals, tracker.future());
  }

  /** {@link #prepare} of element {@code i}, with whatever reading the host's objects throws made a refusal. */
  private PendingEvent prepareSafely(
      List<? extends Map<String, ?>> events, int i, DeliveryTracker tracker, List<Refusal> refusals) {
    try {
      return prepare(events.get(i), i, tracker, refusals);
    } catch (OutOfMemoryError e) {
      refusals.add(refusal(i, RefusalReason.EVENT_TOO_LARGE, "the event could not be copied: out of memory"));
    } catch (RuntimeException | Error e) {
      refusals.add(refusal(i, RefusalReason.INVALID_EVENT, readFailure(e)));
    }
    return null;
  }

  /** Why reading a host's event failed, for a refusal: the exception's class, not its message (it may quote the event). */
  static String readFailure(Throwable e) {
    String what = e.getClass().getName();
    if (e instanceof java.util.ConcurrentModificationException) {
      return "the event changed while it was read (" + what + "): a caller must not modify an event, or anything "
          + "it holds, during notify";
    }
    return "reading the event threw " + what + (e instanceof ClassCastException
        ? " (e.g. a TreeMap or other sorted map whose keys are not strings)" : "");
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

  /** The refusal of an input element that is not a map; {@code expected} says what it should be. */
  static Refusal notAMap(int index, Object event, String expected) {
    return refusal(index, RefusalReason.INVALID_EVENT, event == null ? "event is null"
        : "event must be " + expected + ", got " + event.getClass().getName());
  }

  /** The services this relayer offers to, in order; for {@link OutboxSupport}. */
  List<EventService> services() {
    return services;
  }
}
