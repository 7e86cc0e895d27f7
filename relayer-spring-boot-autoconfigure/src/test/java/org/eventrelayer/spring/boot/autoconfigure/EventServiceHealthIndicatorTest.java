package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class EventServiceHealthIndicatorTest {

  private static final Duration MAX_AGE = Duration.ofSeconds(30);

  @Test
  void upWithItsDetailsWhileDelivering() {
    Health h = health(stats("CLOSED", 3, Duration.ofSeconds(2), null));

    assertThat(h.getStatus()).isEqualTo(Status.UP);
    assertThat(h.getDetails()).containsEntry("queued", 3L).containsEntry("oldestQueuedAge", "PT2S")
        .containsEntry("breakerState", "CLOSED").containsEntry("type", "http").doesNotContainKey("lastError");
  }

  @Test
  void downWhileTheBreakerKeepsBatchesBack() {
    for (String state : new String[] {"OPEN", "HALF_OPEN", "FORCED_OPEN"}) {
      Health h = health(stats(state, 7, Duration.ZERO, "HTTP 503 from 127.0.0.1:1"));

      assertThat(h.getStatus()).as(state).isEqualTo(Status.DOWN);
      assertThat(h.getDetails()).containsEntry("lastError", "HTTP 503 from 127.0.0.1:1")
          .containsEntry("breakerState", state).containsKey("lastErrorAt");
    }
  }

  @Test
  void downWhenTheOldestQueuedEventWaitedLongerThanTheThreshold() {
    Health h = health(stats("CLOSED", 1, MAX_AGE.plusSeconds(1), null));

    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails().get("reason").toString()).contains("PT31S").contains("max-queued-age PT30S");
    assertThat(health(stats("CLOSED", 1, MAX_AGE, null)).getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void unknownForAServiceThatIsGone() {
    assertThat(new EventServiceHealthIndicator(() -> null, MAX_AGE).health().getStatus()).isEqualTo(Status.UNKNOWN);
  }

  private static Health health(ServiceStats stats) {
    return new EventServiceHealthIndicator(() -> stats, MAX_AGE).health();
  }

  private static ServiceStats stats(String breaker, long queued, Duration oldest, String lastError) {
    return new ServiceStats("eventgate", "http", queued, queued * 300, 0, 0, 10 + queued, 0, 10, 0, 0, 0, 0, 2,
        breaker, lastError, lastError == null ? null : Instant.parse("2026-12-01T02:00:00Z"), oldest);
  }
}
