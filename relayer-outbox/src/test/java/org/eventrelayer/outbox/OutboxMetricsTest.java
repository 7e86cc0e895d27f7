package org.eventrelayer.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.eventrelayer.EventRelayerGroup;
import org.junit.jupiter.api.Test;

class OutboxMetricsTest {

  @Test
  void exposesPendingRowsTheirAgeAndTheCounters() throws Exception {
    DataSource ds = Databases.h2();
    try (RecordingIntake intake = new RecordingIntake().start();
        EventRelayerGroup group = EventRelayerGroup.fromMap(Databases.config(intake.url()));
        Outbox outbox = Outbox.builder(ds, group).table(Databases.table()).build()) {
      outbox.installSchema();
      try (Connection tx = ds.getConnection()) {
        tx.setAutoCommit(false);
        outbox.notifyMulti(tx, Databases.CHANNEL, Databases.urls("https://en.example.org/wiki/M_", 0, 3));
        outbox.notify(tx, Databases.CHANNEL, Map.of("url", "not a url"));
        tx.commit();
      }
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new OutboxMetrics(outbox).bindTo(registry);
      String table = outbox.table();
      assertThat(registry.get("eventrelayer.outbox.pending").tag("table", table).gauge().value()).isEqualTo(3);
      assertThat(registry.get("eventrelayer.outbox.oldest.age").gauge().value()).isGreaterThanOrEqualTo(0);
      assertThat(registry.get("eventrelayer.outbox.written").functionCounter().count()).isEqualTo(3);
      assertThat(registry.get("eventrelayer.outbox.refused").functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("eventrelayer.outbox.relayed").functionCounter().count()).isZero();
      assertThat(outbox.flush(Duration.ofMillis(1))).as("nothing relays yet").isFalse();
    }
  }
}
