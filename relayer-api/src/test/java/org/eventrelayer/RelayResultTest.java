package org.eventrelayer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.eventrelayer.spi.DeliveryTracker;
import org.junit.jupiter.api.Test;

class RelayResultTest {

  @Test
  void deliveryCompletesOnlyWhenSealedAndEveryExpectedEventIsFinal() {
    DeliveryTracker t = new DeliveryTracker();
    t.expect();
    t.expect();
    t.delivered();
    t.expect();
    t.unexpect(); // an offer that was refused
    t.deadLettered("invalid: x");
    assertThat(t.future()).isNotDone(); // not sealed yet
    t.seal();
    RelayResult r = new RelayResult(2, List.of(), t.future());
    DeliveryReport report = r.awaitDelivery(Duration.ofSeconds(1)).orElseThrow();
    assertThat(report).isEqualTo(new DeliveryReport(1, 1, 0, "invalid: x"));
    assertThat(report.allDelivered()).isFalse();
  }

  @Test
  void theFutureHandedOutIsACopy() {
    DeliveryTracker t = new DeliveryTracker();
    t.expect();
    t.seal();
    RelayResult r = new RelayResult(1, List.of(), t.future());
    r.delivery().complete(new DeliveryReport(9, 9, 9, null));
    assertThat(r.awaitDelivery(Duration.ofMillis(10))).isEmpty();
    t.delivered();
    assertThat(r.awaitDelivery(Duration.ofSeconds(1))).contains(new DeliveryReport(1, 0, 0, null));
  }

  @Test
  void refuseAllNamesEveryIndex() {
    RelayResult r = RelayResult.refuseAll(3, RefusalReason.CLOSED, "closed");
    assertThat(r.accepted()).isZero();
    assertThat(r.refused()).extracting(Refusal::index).containsExactly(0, 1, 2);
    assertThat(r.delivery()).isCompleted();
    assertThatThrownBy(() -> new Refusal(-1, RefusalReason.CLOSED, "x")).isInstanceOf(IllegalArgumentException.class);
  }
}
