package org.eventrelayer.outbox;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds an outbox's stats as Micrometer meters, tagged {@code table}: gauges {@code eventrelayer.outbox.pending}
 * (rows) and {@code eventrelayer.outbox.oldest.age} (seconds; the one to alert on), counters
 * {@code eventrelayer.outbox.written}, {@code .refused}, {@code .relayed}, {@code .coalesced},
 * {@code .dead.lettered}, {@code .released} and {@code .relay.errors}. The gauges need one query of the table;
 * it runs at most once a second however often the registry is scraped. Needs {@code micrometer-core} (an
 * optional dependency of this module).
 */
public final class OutboxMetrics implements MeterBinder {

  private static final long REFRESH_NANOS = 1_000_000_000L;

  private final Outbox outbox;
  private OutboxStats last;
  private long lastAt;

  /** Binds {@code outbox}'s stats; call {@link #bindTo} with the registry. */
  public OutboxMetrics(Outbox outbox) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    String table = outbox.table();
    Gauge.builder("eventrelayer.outbox.pending", this, m -> m.stats().pending())
        .tag("table", table).baseUnit("rows").description("rows in the outbox table not yet final (-1: unreadable)")
        .register(registry);
    Gauge.builder("eventrelayer.outbox.oldest.age", this, m -> m.stats().oldestPendingAge().toMillis() / 1000.0)
        .tag("table", table).baseUnit("seconds").description("age of the oldest row not yet final")
        .register(registry);
    counter(registry, "written", "rows written in host transactions, committed or not", OutboxStats::written);
    counter(registry, "refused", "events refused at notify", OutboxStats::refused);
    counter(registry, "relayed", "rows delivered and deleted, coalesced ones included", OutboxStats::relayed);
    counter(registry, "coalesced", "rows carried by an equal purge's event", OutboxStats::coalesced);
    counter(registry, "dead.lettered", "rows moved to the dead-letter table", OutboxStats::deadLettered);
    counter(registry, "released", "rows given back to the table", OutboxStats::released);
    counter(registry, "relay.errors", "database errors the relay met and retried", OutboxStats::relayErrors);
  }

  private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<OutboxStats> f) {
    FunctionCounter.builder("eventrelayer.outbox." + name, this, m -> f.applyAsDouble(m.stats()))
        .tag("table", outbox.table()).description(description).register(registry);
  }

  /** The outbox's stats, asked at most once a second. */
  private synchronized OutboxStats stats() {
    long now = System.nanoTime();
    if (last == null || now - lastAt > REFRESH_NANOS) {
      last = outbox.stats();
      lastAt = now;
    }
    return last;
  }
}
