package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.testkit.EventGateIntake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code close(1s)} returns within its deadline while 8 producers saturate both cores and the intake hangs: the
 * deadline is the deadline (it took 1.5 s in 2 of 15 runs before).
 */
@Timeout(120)
class CloseDeadlineTest {

  private static final int PRODUCERS = 8;
  /**
   * Scheduling slack: with 8 threads spinning on 2 cores (and GC pauses from their garbage), a thread that must run
   * to return may wait this long for a core. The group's own deadline is tested exactly in relayer-core
   * ({@code GroupCloseDeadlineTest}).
   */
  private static final Duration SLACK = Duration.ofMillis(400);

  private EventGateIntake intake;

  @BeforeEach
  void start() throws Exception {
    intake = EventGateIntake.start();
  }

  @AfterEach
  void stop() {
    intake.close();
  }

  @Test
  void closeReturnsByItsDeadlineUnderSaturatingProducersAndAHungIntake() throws Exception {
    intake.hold();
    for (int round = 0; round < 3; round++) {
      Map<String, Object> service = intake.serviceConfig();
      service.put("timeout", "30s"); // the transport alone would wait far beyond the deadline
      EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
          "relayers", Map.of("cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge"),
              "default", Map.of("type", "none")),
          "eventServices", Map.of("eventgate", service)));
      EventRelayer relayer = group.getRelayer("cdn-url-purges");
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong offered = new AtomicLong();
      List<Thread> producers = new ArrayList<>();
      for (int p = 0; p < PRODUCERS; p++) {
        int id = p;
        Thread t = new Thread(() -> {
          for (long i = 0; !stop.get(); i++) {
            relayer.notify("cdn-url-purges", Map.of("url", "https://en.example.org/wiki/P" + id + "_" + i));
            offered.incrementAndGet();
          }
        }, "producer-" + p);
        t.setDaemon(true);
        t.start();
        producers.add(t);
      }
      long until = offered.get() + 20_000;
      while (offered.get() < until) {
        Thread.onSpinWait(); // let the producers saturate the cores and fill the queue
      }
      long started = System.nanoTime();
      boolean clean = group.close(Duration.ofSeconds(1));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      stop.set(true);
      for (Thread t : producers) {
        t.join(10_000);
      }
      assertThat(clean).as("events were still queued and the intake hung").isFalse();
      assertThat(tookMillis).as("close(1s), round %d", round).isLessThanOrEqualTo(1000 + SLACK.toMillis());
    }
  }
}
