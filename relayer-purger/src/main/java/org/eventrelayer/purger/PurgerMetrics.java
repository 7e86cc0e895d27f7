package org.eventrelayer.purger;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link Purger}'s stats as Micrometer meters, tagged {@code purger=<name>}: counters
 * {@code eventrelayer.purger.records} by {@code outcome} (polled, too-old, dead-lettered, coalesced, purged),
 * {@code eventrelayer.purger.purges} (sent) and {@code eventrelayer.purger.purges.failed}; gauges
 * {@code eventrelayer.purger.backlog} (records not final), {@code eventrelayer.purger.consumer.lag} (records not
 * polled yet), {@code eventrelayer.purger.paused} and {@code eventrelayer.purger.lag} (event-to-purge, seconds) by
 * {@code quantile} 0.5 and 0.99. Stage services' own meters come from relayer-micrometer.
 */
public final class PurgerMetrics implements MeterBinder {

  private final Purger purger;
  private final Tags tags;

  /** Meters for {@code purger}, tagged {@code purger=name}. */
  public PurgerMetrics(Purger purger, String name) {
    this.purger = purger;
    this.tags = Tags.of("purger", name);
  }

  /** Registers the meters; they read {@link Purger#stats()} when polled, nothing runs in between. */
  @Override
  public void bindTo(MeterRegistry registry) {
    record(registry, "polled", s -> s.polled());
    record(registry, "too-old", s -> s.tooOld());
    record(registry, "dead-lettered", s -> s.deadLettered());
    record(registry, "coalesced", s -> s.coalesced());
    record(registry, "purged", s -> s.purged());
    FunctionCounter.builder("eventrelayer.purger.purges", purger, p -> p.stats().purges())
        .description("purges (distinct URLs) sent to the first stage").tags(tags).register(registry);
    FunctionCounter.builder("eventrelayer.purger.purges.failed", purger, p -> p.stats().failedPurges())
        .description("purges a stage dead-lettered").tags(tags).register(registry);
    gauge(registry, "eventrelayer.purger.backlog", "records polled but not final", s -> s.backlog());
    gauge(registry, "eventrelayer.purger.consumer.lag", "records in the assigned partitions not polled yet",
        s -> s.consumerLag());
    gauge(registry, "eventrelayer.purger.paused", "1 while the consumer waits for the caches", s -> s.paused() ? 1 : 0);
    Gauge.builder("eventrelayer.purger.lag", purger, p -> seconds(p.stats().lagP50()))
        .description("event-to-purge lag").baseUnit("seconds").tags(tags).tag("quantile", "0.5").register(registry);
    Gauge.builder("eventrelayer.purger.lag", purger, p -> seconds(p.stats().lagP99()))
        .description("event-to-purge lag").baseUnit("seconds").tags(tags).tag("quantile", "0.99").register(registry);
  }

  private void record(MeterRegistry registry, String outcome, ToDoubleFunction<PurgerStats> f) {
    FunctionCounter.builder("eventrelayer.purger.records", purger, p -> f.applyAsDouble(p.stats()))
        .description("records of the purge topics, by outcome").tags(tags).tag("outcome", outcome)
        .register(registry);
  }

  private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<PurgerStats> f) {
    Gauge.builder(name, purger, p -> f.applyAsDouble(p.stats())).description(description).tags(tags)
        .register(registry);
  }

  private static double seconds(Duration d) {
    return d == null ? Double.NaN : d.toNanos() / 1e9;
  }
}
