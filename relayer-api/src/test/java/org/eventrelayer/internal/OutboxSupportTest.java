package org.eventrelayer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.RelayerStats;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;
import org.junit.jupiter.api.Test;

class OutboxSupportTest {

  /** A service that never takes an event and refuses any whose size hint is over 300 bytes. */
  private static final class CheckingService implements EventService {
    final AtomicInteger offers = new AtomicInteger();

    @Override
    public String name() {
      return "s";
    }

    @Override
    public String type() {
      return "test";
    }

    @Override
    public void checkStream(String stream) {}

    @Override
    public Refusal offer(PendingEvent event) {
      offers.incrementAndGet();
      return null;
    }

    @Override
    public Refusal checkEvent(PendingEvent event) {
      return event.sizeHint() > 300 ? new Refusal(0, RefusalReason.EVENT_TOO_LARGE, "too large") : null;
    }

    @Override
    public boolean flush(Duration timeout) {
      return true;
    }

    @Override
    public ServiceStats stats() {
      return new ServiceStats("s", "test", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "CLOSED", null, null,
          java.time.Duration.ZERO);
    }

    @Override
    public boolean close(Duration timeout) {
      return true;
    }
  }

  private final CheckingService service = new CheckingService();
  private final CdnPurgeRelayer purges =
      new CdnPurgeRelayer("cdn-url-purges", "resource-purge", null, List.of(), service);

  @Test
  void validatesAndBuildsWithoutOfferingAnything() {
    List<Map<String, Object>> events = new ArrayList<>();
    events.add(Map.of("url", "https://en.example.org/wiki/A", "timestamp", 1_700_000_000));
    events.add(Map.of("url", "relative"));
    events.add(Map.of("url", "https://en.example.org/wiki/A")); // duplicate within the call
    events.add(Map.of("url", "https://en.example.org/wiki/" + "B".repeat(400))); // over the service's check

    OutboxSupport.Validation v = OutboxSupport.validate(purges, "cdn-url-purges", events);

    assertThat(v.accepted()).isEqualTo(2);
    assertThat(v.refused()).extracting(Refusal::index, Refusal::reason).containsExactly(
        org.assertj.core.groups.Tuple.tuple(1, RefusalReason.INVALID_URL),
        org.assertj.core.groups.Tuple.tuple(3, RefusalReason.EVENT_TOO_LARGE));
    assertThat(v.prepared()).hasSize(1);
    OutboxSupport.Prepared p = v.prepared().get(0);
    assertThat(p.stream()).isEqualTo("resource-purge");
    assertThat(p.coalesceKey()).isEqualTo("https://en.example.org/wiki/A");
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = (Map<String, Object>) p.event().get("meta");
    assertThat(meta).containsEntry("dt", "2023-11-14T22:13:20.000Z").containsKey("id");
    assertThat(service.offers).hasValue(0);
    assertThat(purges.stats().accepted()).as("nothing counted as relayed").isZero();
    assertThat(OutboxSupport.services(purges)).containsExactly(service);
  }

  @Test
  void refusesTheChannelsTheRelayerWouldRefuseAndRelayersItCannotDrive() {
    assertThat(OutboxSupport.validate(purges, " ", List.of(Map.of("url", "https://a.org/"))).refused())
        .extracting(Refusal::reason).containsExactly(RefusalReason.INVALID_CHANNEL);
    assertThat(OutboxSupport.validate(purges, "other", List.of(Map.of("url", "https://a.org/"))).refused())
        .extracting(Refusal::reason).containsExactly(RefusalReason.WRONG_CHANNEL);
    EventRelayer foreign = new EventRelayer() {
      @Override
      public RelayResult notify(String channel, Map<String, ?> event) {
        throw new AssertionError();
      }

      @Override
      public RelayResult notifyMulti(String channel, List<? extends Map<String, ?>> events) {
        throw new AssertionError();
      }

      @Override
      public boolean flush(Duration timeout) {
        return true;
      }

      @Override
      public RelayerStats stats() {
        return null;
      }

      @Override
      public void close() {}
    };
    assertThat(OutboxSupport.supports(foreign)).isFalse();
    assertThat(OutboxSupport.validate(foreign, "c", List.of(Map.of("k", 1), Map.of("k", 2))).refused())
        .extracting(Refusal::reason).containsOnly(RefusalReason.WRONG_CHANNEL).hasSize(2);
    assertThat(OutboxSupport.validate(purges, "cdn-url-purges", List.of()).accepted()).isZero();
    assertThatThrownBy(() -> OutboxSupport.services(foreign)).isInstanceOf(IllegalArgumentException.class);
  }
}
