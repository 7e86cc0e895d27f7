package org.eventrelayer.noop;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.RelayResult;
import org.eventrelayer.internal.AbstractRelayer;

/**
 * The null relayer, as MediaWiki's {@code EventRelayerNull}: accepts every event and discards it, counting what it
 * discarded. Its delivery reports say every event was dropped ({@code discarded by the null relayer}), so a host
 * that waits on them is not misled into thinking anything was delivered.
 */
public final class NullEventRelayer extends AbstractRelayer {

  static final String DISCARDED = "discarded by the null relayer";

  private final LongAdder discarded = new LongAdder();

  /**
   * Creates the relayer.
   *
   * @param name the config key it was built from
   */
  public NullEventRelayer(String name) {
    super(name, NullRelayerProvider.NAME);
  }

  @Override
  protected RelayResult relay(String channel, List<? extends Map<String, ?>> events) {
    int n = events.size();
    discarded.add(n);
    return new RelayResult(n, List.of(), CompletableFuture.completedFuture(new DeliveryReport(0, 0, n, DISCARDED)));
  }

  /** How many events this relayer has discarded. */
  public long discarded() {
    return discarded.sum();
  }

  @Override
  public boolean flush(Duration timeout) {
    return true;
  }
}
