package org.eventrelayer.micrometer;


import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayerStats;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.SendListener;

/**
 * Binds the stats of every event service and relayer of an {@link EventRelayerGroup} as Micrometer meters.
 *
 * <pre>{@code
 * EventRelayerGroup group = EventRelayerGroup.fromProperties(props);
 * EventRelayerMetrics metrics = new EventRelayerMetrics(group, Tags.of("app", "wiki"));
 * metrics.bindTo(registry);
 * }</pre>
 *
 * <p>Per event service (tags {@code service}, {@code type}): gauges {@code eventrelayer.queue.events},
 * {@code eventrelayer.queue.bytes}, {@code eventrelayer.inflight}, {@code eventrelayer.spool.events}, {@code eventrelayer.queue.oldest.age} (seconds),
 * {@code eventrelayer.breaker.state} (one gauge per {@code state} tag, 1 for the current state and
 * 0 for the others); function counters {@code eventrelayer.events.accepted}, {@code .refused}, {@code .delivered},
 * {@code .dead.lettered}, {@code .dropped}, {@code .coalesced}, {@code .retries} and {@code eventrelayer.batches};
 * a timer {@code eventrelayer.send} (tag {@code outcome}: success, partial, failure) for every request sent. Per relayer (tags
 * {@code relayer}, {@code type}): function counters {@code eventrelayer.relayer.accepted} and
 * {@code eventrelayer.relayer.refused} (tag {@code reason}, one per {@link RefusalReason#code()}).
 *
 * <p>Every meter reads the group's stats when the registry polls it; nothing is counted twice and nothing runs in
 * the background. The meters hold the group weakly, as Micrometer's gauges do: keep a reference to the group (you
 * do, to use it). Meters of a closed group keep their last values; {@link #close()} removes them, e.g. before
 * binding a group rebuilt from a new config under the same names.
 *
 * <p>Thread-safe.
 */
public final class EventRelayerMetrics implements MeterBinder, AutoCloseable {

  /** The prefix of every meter name. */
  public static final String PREFIX = "eventrelayer";

  /**
   * The states {@code eventrelayer.breaker.state} reports, as values of its {@code state} tag: the circuit breaker
   * states of the delivery engine, lower-cased.
   */
  public static final List<String> BREAKER_STATES =
      List.of("closed", "open", "half_open", "forced_open", "disabled", "metrics_only");

  private final EventRelayerGroup group;
  private final Tags tags;
  private final List<Bound> bound = new ArrayList<>();
  private final List<SendListener> listeners = new ArrayList<>();

  /**
   * Creates the binder for {@code group}, without extra tags.
   *
   * @param group the group whose stats to expose
   */
  public EventRelayerMetrics(EventRelayerGroup group) {
    this(group, Tags.empty());
  }

  /**
   * Creates the binder for {@code group}.
   *
   * @param group the group whose stats to expose
   * @param tags tags added to every meter (e.g. the application's name)
   */
  public EventRelayerMetrics(EventRelayerGroup group, Iterable<Tag> tags) {
    this.group = Objects.requireNonNull(group, "group");
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
  }

  /** Registers the meters of every service and relayer of the group with {@code registry}. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    List<Meter> meters = new ArrayList<>();
    for (Map.Entry<String, ServiceStats> e : group.serviceStats().entrySet()) {
      bindService(registry, e.getKey(), e.getValue().type(), meters);
    }
    for (Map.Entry<String, RelayerStats> e : group.relayerStats().entrySet()) {
      bindRelayer(registry, e.getKey(), e.getValue().type(), meters);
    }
    Map<String, Timer> timers = new ConcurrentHashMap<>();
    for (Map.Entry<String, ServiceStats> e : group.serviceStats().entrySet()) {
      for (SendListener.Outcome outcome : SendListener.Outcome.values()) {
        Timer timer = Timer.builder(PREFIX + ".send")
            .tags(tags.and("service", e.getKey(), "type", e.getValue().type(), "outcome",
                outcome.name().toLowerCase(Locale.ROOT)))
            .description("Requests sent to the destination and how long each took, by outcome")
            .register(registry);
        timers.put(e.getKey() + "|" + outcome.name(), timer);
        meters.add(timer);
      }
    }
    SendListener listener = send -> {
      Timer timer = timers.get(send.service() + "|" + send.outcome().name());
      if (timer != null) {
        timer.record(send.durationNanos(), TimeUnit.NANOSECONDS);
      }
    };
    group.addSendListener(listener);
    synchronized (bound) {
      for (Meter m : meters) {
        bound.add(new Bound(registry, m));
      }
      listeners.add(listener);
    }
  }

  /** Removes every meter this binder registered, from every registry it was bound to. Idempotent. */
  @Override
  public void close() {
    List<Bound> copy;
    List<SendListener> ls;
    synchronized (bound) {
      copy = new ArrayList<>(bound);
      bound.clear();
      ls = new ArrayList<>(listeners);
      listeners.clear();
    }
    ls.forEach(group::removeSendListener);
    for (Bound b : copy) {
      b.registry.remove(b.meter);
    }
  }

  @Override
  public String toString() {
    return "EventRelayerMetrics{" + group + '}';
  }

  // ---------------------------------------------------------------------------------------------------------

  private void bindService(MeterRegistry registry, String service, String type, List<Meter> out) {
    Tags t = tags.and("service", service, "type", type);
    out.add(gauge(registry, "queue.events", t, null,
        "Events waiting in the service's queue, including events waiting for their retry",
        service(service, ServiceStats::queued)));
    out.add(gauge(registry, "queue.bytes", t, BaseUnits.BYTES,
        "Estimated bytes of the queued events",
        service(service, ServiceStats::queuedBytes)));
    out.add(gauge(registry, "inflight", t, null,
        "Events in a request that has not been answered yet", service(service, ServiceStats::inFlight)));
    out.add(gauge(registry, "spool.events", t, null,
        "Events durable in the spool and not in memory", service(service, ServiceStats::spooled)));
    out.add(gauge(registry, "queue.oldest.age", t, "seconds",
        "Age of the oldest event still queued or waiting for its retry; 0 when none", g -> {
          ServiceStats s = g.serviceStats().get(service);
          return s == null ? Double.NaN : s.oldestQueuedAge().toNanos() / 1e9;
        }));
    for (String state : BREAKER_STATES) {
      out.add(Gauge.builder(PREFIX + ".breaker.state", group, breakerIs(service, state))
          .tags(t).tag("state", state)
          .description("1 if the service's circuit breaker is in this state, else 0")
          .register(registry));
    }
    out.add(counter(registry, "events.accepted", t, "Events the service accepted into its queue",
        service(service, ServiceStats::accepted)));
    out.add(counter(registry, "events.refused", t,
        "Events the service refused when offered (queue full, too large, closed)",
        service(service, ServiceStats::refused)));
    out.add(counter(registry, "events.delivered", t, "Events the destination confirmed",
        service(service, ServiceStats::delivered)));
    out.add(counter(registry, "events.dead.lettered", t,
        "Events handed to the dead-letter handler: refused for good by the destination, or out of retries",
        service(service, ServiceStats::deadLettered)));
    out.add(counter(registry, "events.dropped", t,
        "Accepted events abandoned without a verdict (still queued when close ran out of time)",
        service(service, ServiceStats::dropped)));
    out.add(counter(registry, "events.coalesced", t,
        "Purges that joined an equal purge still waiting in the queue (they share its outcome)",
        service(service, ServiceStats::coalesced)));
    out.add(counter(registry, "events.retries", t, "Events re-sent after a retryable failure, once per retry",
        service(service, ServiceStats::retries)));
    out.add(counter(registry, "batches", t, "Requests sent to the destination, successful or not",
        service(service, ServiceStats::batches)));
  }

  private void bindRelayer(MeterRegistry registry, String relayer, String type, List<Meter> out) {
    Tags t = tags.and("relayer", relayer, "type", type);
    out.add(counter(registry, "relayer.accepted", t, "Events the relayer accepted at notify time",
        relayer(relayer, RelayerStats::accepted)));
    for (RefusalReason reason : RefusalReason.values()) {
      out.add(counter(registry, "relayer.refused", t.and("reason", reason.code()),
          "Events the relayer refused at notify time, by reason",
          relayer(relayer, r -> r.refused().getOrDefault(reason, 0L))));
    }
  }

  private Gauge gauge(MeterRegistry registry, String name, Tags t, String unit, String description,
      ToDoubleFunction<EventRelayerGroup> f) {
    return Gauge.builder(PREFIX + "." + name, group, f).tags(t).baseUnit(unit).description(description)
        .register(registry);
  }

  private FunctionCounter counter(MeterRegistry registry, String name, Tags t, String description,
      ToDoubleFunction<EventRelayerGroup> f) {
    return FunctionCounter.builder(PREFIX + "." + name, group, f).tags(t).description(description)
        .register(registry);
  }

  // The functions below capture names only, never the group or this binder: the meters hold the group weakly.

  private static ToDoubleFunction<EventRelayerGroup> service(String service, ToLongFunction<ServiceStats> f) {
    return g -> {
      ServiceStats s = g.serviceStats().get(service);
      return s == null ? Double.NaN : f.applyAsLong(s);
    };
  }

  private static ToDoubleFunction<EventRelayerGroup> relayer(String relayer, ToLongFunction<RelayerStats> f) {
    return g -> {
      RelayerStats r = g.relayerStats().get(relayer);
      return r == null ? Double.NaN : f.applyAsLong(r);
    };
  }

  private static ToDoubleFunction<EventRelayerGroup> breakerIs(String service, String state) {
    return g -> {
      ServiceStats s = g.serviceStats().get(service);
      if (s == null) {
        return Double.NaN;
      }
      return s.breakerState() != null && s.breakerState().toLowerCase(Locale.ROOT).equals(state) ? 1 : 0;
    };
  }

  /** One meter registered with one registry. */
  private record Bound(MeterRegistry registry, Meter meter) {}
}
