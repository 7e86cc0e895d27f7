package org.eventrelayer.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import javax.sql.DataSource;
import org.eventrelayer.EventRelayerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay meets a broken table and lost connections on a real PostgreSQL server: it retries, loses nothing. */
class OutboxFaultTest {

  private final DataSource ds = Databases.postgres();
  private RecordingIntake intake;
  private EventRelayerGroup group;
  private Outbox outbox;

  @BeforeEach
  void setUp() throws Exception {
    intake = new RecordingIntake().start();
    group = EventRelayerGroup.fromMap(Databases.config(intake.url()));
    outbox = Outbox.builder(ds, group).table(Databases.table()).pollInterval(Duration.ofMillis(50)).build();
    outbox.installSchema();
  }

  @AfterEach
  void tearDown() {
    outbox.close();
    group.close();
    intake.close();
  }

  private void commit(String prefix, int from, int n) throws Exception {
    try (Connection tx = ds.getConnection()) {
      tx.setAutoCommit(false);
      assertThat(outbox.notifyMulti(tx, Databases.CHANNEL, Databases.urls(prefix, from, n)).allAccepted()).isTrue();
      tx.commit();
    }
  }

  @Test
  void aBrokenTableDelaysButNeverLosesCommittedRows() throws Exception {
    String prefix = "https://en.example.org/wiki/Broken_";
    commit(prefix, 0, 300);
    Databases.execute(ds, "ALTER TABLE " + outbox.table() + " RENAME TO " + outbox.table() + "_away");
    outbox.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> outbox.stats().relayErrors() >= 2);
    assertThat(intake.events()).isZero();
    Databases.execute(ds, "ALTER TABLE " + outbox.table() + "_away RENAME TO " + outbox.table());
    assertThat(outbox.flush(Duration.ofSeconds(60))).isTrue();
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().size() == 300);
    assertThat(outbox.stats().relayed()).isEqualTo(300);
  }

  @Test
  void lostConnectionsDuringTheRelayNeverLoseCommittedRows() throws Exception {
    String prefix = "https://en.example.org/wiki/Lost_";
    outbox.start();
    for (int batch = 0; batch < 20; batch++) {
      commit(prefix, batch * 100, 100);
      if (batch % 5 == 2) { // every connection but this one: the relay's and the hint listener's
        Databases.execute(ds, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> "
            + "pg_backend_pid() AND backend_type = 'client backend' AND datname = current_database()");
      }
    }
    assertThat(outbox.flush(Duration.ofSeconds(60))).isTrue();
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().size() == 2000);
    assertThat(outbox.stats().relayErrors()).as("the lost connections were met and counted").isPositive();
    assertThat(outbox.pending()).isZero();
  }

  @Test
  void rowsLeasedToTheRelayWithoutItsKnowledgeAreRelayedOnceTheirLeaseRunsOut() throws Exception {
    // A claim whose COMMIT took effect on the server while the connection died before the answer (as when a backend
    // is terminated at that moment): the rows are leased to this relay, which never saw them. Renewing every row
    // leased to the relay would hold them for as long as it lives; only the rows it knows it holds are renewed.
    outbox.close();
    outbox = Outbox.builder(ds, group).table(outbox.table()).pollInterval(Duration.ofMillis(50))
        .lease(Duration.ofSeconds(1)).build();
    outbox.start();
    String prefix = "https://en.example.org/wiki/Orphan_";
    try (Connection tx = ds.getConnection()) {
      tx.setAutoCommit(false);
      assertThat(outbox.notifyMulti(tx, Databases.CHANNEL, Databases.urls(prefix, 0, 5)).allAccepted()).isTrue();
      try (PreparedStatement ps = tx.prepareStatement("UPDATE " + outbox.table()
          + " SET lease_owner = ?, lease_until_ms = ? WHERE lease_owner IS NULL")) {
        ps.setString(1, outbox.owner());
        ps.setLong(2, System.currentTimeMillis() + 1_000);
        assertThat(ps.executeUpdate()).isEqualTo(5);
      }
      tx.commit();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().size() == 5);
    assertThat(outbox.flush(Duration.ofSeconds(30))).isTrue();
    assertThat(outbox.pending()).isZero();
  }
}
