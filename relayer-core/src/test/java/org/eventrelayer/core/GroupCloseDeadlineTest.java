package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.eventrelayer.EventRelayerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A group's {@code close(timeout)} returns by its deadline even when one of its services overruns it. */
class GroupCloseDeadlineTest {

  @AfterEach
  void release() {
    StubbornServiceProvider.RELEASE.countDown();
  }

  @Test
  void closeReturnsByItsDeadlineThoughAServiceIgnoresIt() {
    StubbornServiceProvider.RELEASE = new CountDownLatch(1);
    String scripted = Groups.uniqueService();
    EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of("eventServices", Map.of(
        "stubborn-" + scripted, Map.of("type", "stubborn"),
        scripted, Map.of("type", "scripted"))));
    long t0 = System.nanoTime();
    boolean clean = group.close(Duration.ofMillis(300));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    // The stubborn service would hold a waiting caller for a minute; the group stops waiting at its deadline.
    assertThat(took).isLessThan(Duration.ofSeconds(5));
    assertThat(clean).as("a service that did not finish by the deadline").isFalse();
    // The well-behaved service was closed within the same deadline.
    assertThat(ScriptedTransport.of(scripted).closed).isTrue();
  }
}
