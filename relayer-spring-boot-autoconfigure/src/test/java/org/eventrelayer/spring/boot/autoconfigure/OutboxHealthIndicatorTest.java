package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.eventrelayer.outbox.OutboxStats;
import org.eventrelayer.spring.boot.autoconfigure.outbox.OutboxHealthIndicator;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class OutboxHealthIndicatorTest {

  private static final Duration MAX_AGE = Duration.ofSeconds(30);

  @Test
  void upWithItsDetailsWhileRowsLeaveInTime() {
    Health h = health(stats(4, MAX_AGE));

    assertThat(h.getStatus()).isEqualTo(Status.UP);
    assertThat(h.getDetails()).containsEntry("table", "eventrelayer_outbox").containsEntry("pending", 4L)
        .containsEntry("oldestPendingAge", "PT30S").containsEntry("relayed", 7L).doesNotContainKey("reason");
  }

  @Test
  void downWhenTheOldestPendingRowWaitedLongerThanTheThreshold() {
    Health h = health(stats(4, MAX_AGE.plusMillis(1)));

    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails().get("reason").toString()).contains("PT30.001S").contains("PT30S");
  }

  @Test
  void downWhenTheTableCannotBeRead() {
    Health h = health(stats(-1, Duration.ZERO));

    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails()).containsEntry("reason", "the outbox table could not be read");
  }

  private static Health health(OutboxStats stats) {
    return new OutboxHealthIndicator("eventrelayer_outbox", () -> stats, MAX_AGE).health();
  }

  private static OutboxStats stats(long pending, Duration oldest) {
    return new OutboxStats(pending, oldest, 11, 0, 7, 7, 1, 0, 0, 0);
  }
}
