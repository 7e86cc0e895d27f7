package org.eventrelayer;

import java.util.Map;

/**
 * A snapshot of what one relayer accepted and refused at {@code notify} time.
 *
 * @param name the config key the relayer was built from (e.g. {@code cdn-url-purges})
 * @param type the provider name (e.g. {@code cdn-purge})
 * @param accepted events accepted (an event fanned out to several services counts once)
 * @param refused events refused, by reason; reasons never seen are absent
 */
public record RelayerStats(String name, String type, long accepted, Map<RefusalReason, Long> refused) {

  /** Copies the map. */
  public RelayerStats {
    refused = Map.copyOf(refused);
  }

  /** The total of all refusals. */
  public long refusedTotal() {
    return refused.values().stream().mapToLong(Long::longValue).sum();
  }
}
