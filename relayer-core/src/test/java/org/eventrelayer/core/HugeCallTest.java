package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.Test;

/** One call with a million URLs: bounded by the queue, every URL accounted for, nothing thrown. */
class HugeCallTest {

  @Test
  void aMillionUrlsInOneCallAreAcceptedUpToTheQueueBoundAndTheRestRefusedWithAReason() {
    String service = Groups.uniqueService();
    EventRelayerGroup g = Groups.purgeGroup(service, Map.of(), Map.of("queueCapacity", 100_000));
    try {
      ScriptedTransport.of(service).hang = new java.util.concurrent.CountDownLatch(1); // nothing drains
      List<Map<String, ?>> urls = new AbstractList<>() {
        @Override
        public Map<String, ?> get(int i) {
          return Map.of("url", "https://en.example.org/wiki/Page_" + i);
        }

        @Override
        public int size() {
          return 1_000_000;
        }
      };
      RelayResult r = g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", urls);
      // The queue bound covers queued and in-flight events alike.
      assertThat(r.accepted()).isEqualTo(100_000);
      assertThat(r.accepted() + r.refused().size()).isEqualTo(1_000_000);
      assertThat(r.refused().get(r.refused().size() - 1).index()).isEqualTo(999_999);
      assertThat(r.refused()).allSatisfy(x -> assertThat(x.reason()).isEqualTo(RefusalReason.QUEUE_FULL));
      ServiceStats s = g.serviceStats().get(service);
      assertThat(s.accepted()).isEqualTo(r.accepted());
      assertThat(s.refused()).isEqualTo(r.refused().size());
      assertThat(s.accepted()).isEqualTo(s.accountedFor());
    } finally {
      g.close(Duration.ofSeconds(1));
    }
  }
}
