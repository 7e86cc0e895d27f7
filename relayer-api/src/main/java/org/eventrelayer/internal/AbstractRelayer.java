package org.eventrelayer.internal;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.RelayerStats;

/**
 * What every relayer does the same way: the argument checks of {@code notify}/{@code notifyMulti}, the closed
 * state, and the accepted/refused counters. Subclasses implement {@link #relay}.
 */
public abstract class AbstractRelayer implements EventRelayer {

  private static final RefusalReason[] REASONS = RefusalReason.values();

  private final String name;
  private final String type;
  private final LongAdder accepted = new LongAdder();
  private final LongAdder[] refused = new LongAdder[REASONS.length];
  private final LongAdder duplicates = new LongAdder();
  private volatile boolean closed;

  /**
   * Creates the relayer.
   *
   * @param name its config key
   * @param type its provider name
   */
  protected AbstractRelayer(String name, String type) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = Objects.requireNonNull(type, "type");
    for (int i = 0; i < refused.length; i++) {
      refused[i] = new LongAdder();
    }
  }

  /** The config key this relayer was built from. */
  public final String name() {
    return name;
  }

  @Override
  public final RelayResult notify(String channel, Map<String, ?> event) {
    return notifyMulti(channel, Collections.singletonList(event));
  }

  @Override
  public final RelayResult notifyMulti(String channel, List<? extends Map<String, ?>> events) {
    Objects.requireNonNull(events, "events");
    if (events.isEmpty()) {
      return RelayResult.refuseAll(0, RefusalReason.INVALID_EVENT, "");
    }
    if (closed) {
      return refuseAll(events.size(), RefusalReason.CLOSED, "relayer '" + name + "' is closed");
    }
    if (channel == null || channel.isBlank()) {
      return refuseAll(events.size(), RefusalReason.INVALID_CHANNEL, "channel must not be null or blank");
    }
    String wrongChannel = checkChannel(channel);
    if (wrongChannel != null) {
      return refuseAll(events.size(), RefusalReason.WRONG_CHANNEL, wrongChannel);
    }
    Duplicates dups = new Duplicates();
    RelayResult result = relay(channel, events, dups);
    // Duplicates shared an earlier event's outcome without reaching a service: counted apart, so that this
    // relayer's accepted count is what its service(s) accepted.
    countAccepted(result.accepted() - dups.accepted());
    for (int i = 0, n = result.refused().size(); i < n; i++) {
      countRefused(result.refused().get(i).reason());
    }
    for (RefusalReason r : dups.refusedReasons()) {
      refused[r.ordinal()].decrement();
    }
    duplicates.add(dups.accepted() + dups.refusedReasons().size());
    return result;
  }

  /**
   * {@link #relay(String, List)}, told where to record the input events that shared the outcome of an equal
   * earlier event of the same call instead of being relayed themselves. Relayers that deduplicate override this.
   */
  protected RelayResult relay(String channel, List<? extends Map<String, ?>> events, Duplicates duplicates) {
    return relay(channel, events);
  }

  /**
   * Says why this relayer does not serve {@code channel}, or returns {@code null} if it does (the default).
   */
  protected String checkChannel(String channel) {
    return null;
  }

  /**
   * Validates and enqueues the events; runs on the caller's thread, so it must only validate and enqueue.
   * {@code channel} is not blank and the list is not empty; its elements may be {@code null} or not maps.
   */
  protected abstract RelayResult relay(String channel, List<? extends Map<String, ?>> events);

  private RelayResult refuseAll(int count, RefusalReason reason, String detail) {
    refused[reason.ordinal()].add(count);
    return RelayResult.refuseAll(count, reason, detail);
  }

  private void countAccepted(int n) {
    if (n > 0) {
      accepted.add(n);
    }
  }

  private void countRefused(RefusalReason reason) {
    refused[reason.ordinal()].increment();
  }

  @Override
  public RelayerStats stats() {
    Map<RefusalReason, Long> byReason = new EnumMap<>(RefusalReason.class);
    for (RefusalReason r : REASONS) {
      long n = refused[r.ordinal()].sum();
      if (n > 0) {
        byReason.put(r, n);
      }
    }
    return new RelayerStats(name, type, accepted.sum(), byReason, duplicates.sum());
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + name + "}";
  }
}
