package org.eventrelayer;

import java.util.Map;

/**
 * A snapshot of what one relayer accepted and refused at {@code notify} time.
 *
 * <p>Every input event is counted exactly once: {@code accepted + refusedTotal() + duplicates} is the number of
 * events handed in. {@code accepted} counts the events handed on to the relayer's event service(s), so for a
 * relayer with one service it equals what that service's {@link ServiceStats#accepted()} gained from it.
 *
 * @param name the config key the relayer was built from (e.g. {@code cdn-url-purges})
 * @param type the provider name (e.g. {@code cdn-purge})
 * @param accepted events accepted and handed on (an event fanned out to several services counts once)
 * @param refused events refused, by reason; reasons never seen are absent; duplicates are not counted here
 * @param duplicates events that repeated an earlier event of the same call (a purge of a URL already in the
 *     call) and shared its outcome, acceptance or refusal, without being relayed themselves
 */
public record RelayerStats(
    String name, String type, long accepted, Map<RefusalReason, Long> refused, long duplicates) {

  /** Copies the map. */
  public RelayerStats {
    refused = Map.copyOf(refused);
  }

  /** A snapshot of a relayer that never sees duplicates. */
  public RelayerStats(String name, String type, long accepted, Map<RefusalReason, Long> refused) {
    this(name, type, accepted, refused, 0);
  }

  /** The total of all refusals (duplicates of refused events excluded). */
  public long refusedTotal() {
    return refused.values().stream().mapToLong(Long::longValue).sum();
  }
}
