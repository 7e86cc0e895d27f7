package org.eventrelayer.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The outbox against a real HTTP intake on loopback, on H2 and on a real PostgreSQL server. */
class OutboxTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private RecordingIntake intake;
  private EventRelayerGroup group;

  @BeforeEach
  void startIntake() throws Exception {
    intake = new RecordingIntake().start();
    group = EventRelayerGroup.fromMap(Databases.config(intake.url()));
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    group.close();
    intake.close();
  }

  private static DataSource database(String db) {
    return db.equals("h2") ? Databases.h2() : Databases.postgres();
  }

  private Outbox outbox(DataSource ds, Consumer<Outbox.Builder> tune) {
    Outbox.Builder b = Outbox.builder(ds, group).table(Databases.table()).pollInterval(Duration.ofMillis(50));
    tune.accept(b);
    Outbox o = b.build();
    toClose.add(o);
    o.installSchema();
    return o;
  }

  private static RelayResult inTransaction(DataSource ds, boolean commit, TxBody body) throws SQLException {
    try (Connection tx = ds.getConnection()) {
      tx.setAutoCommit(false);
      RelayResult r = body.run(tx);
      if (commit) {
        tx.commit();
      } else {
        tx.rollback();
      }
      return r;
    }
  }

  interface TxBody {
    RelayResult run(Connection tx) throws SQLException;
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void relaysWhatCommitsAndNothingThatRollsBack(String db) throws Exception {
    DataSource ds = database(db);
    Outbox outbox = outbox(ds, b -> {});
    outbox.start();
    String committed = "https://en.example.org/wiki/Committed_";
    String rolledBack = "https://en.example.org/wiki/RolledBack_";
    for (int t = 0; t < 20; t++) {
      int from = t * 10;
      boolean commit = t % 4 != 3; // one in four rolls back
      inTransaction(ds, commit, tx -> outbox.notifyMulti(tx, Databases.CHANNEL,
          Databases.urls(commit ? committed : rolledBack, from, 10)));
    }
    assertThat(outbox.flush(Duration.ofSeconds(30))).isTrue();
    Set<String> expected = Databases.urls(committed, 0, 200).stream().map(m -> (String) m.get("url"))
        .filter(u -> (Integer.parseInt(u.substring(u.lastIndexOf('_') + 1)) / 10) % 4 != 3)
        .collect(Collectors.toSet());
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().containsAll(expected));
    assertThat(intake.uris()).hasSize(150).noneMatch(u -> u.startsWith(rolledBack));
    assertThat(outbox.pending()).isZero();
    OutboxStats s = outbox.stats();
    assertThat(s.relayed()).isEqualTo(150);
    assertThat(s.written()).isEqualTo(200); // rolled-back rows were written too, and vanished with their tx
    assertThat(s.oldestPendingAge()).isEqualTo(Duration.ZERO);
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void writesOnlyThroughTheCallersTransaction(String db) throws Exception {
    DataSource ds = database(db);
    Outbox outbox = outbox(ds, b -> {});
    try (Connection tx = ds.getConnection()) {
      tx.setAutoCommit(false);
      RelayResult r = outbox.notifyMulti(tx, Databases.CHANNEL, Databases.urls("https://en.example.org/wiki/Tx_",
          0, 3));
      assertThat(r.accepted()).isEqualTo(3);
      assertThat(tx.getAutoCommit()).isFalse();
      assertThat(outbox.pending()).as("not committed: invisible to others").isZero();
      try (Statement st = tx.createStatement();
          ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + outbox.table())) {
        rs.next();
        assertThat(rs.getLong(1)).as("visible in the transaction").isEqualTo(3);
      }
      tx.commit();
    }
    assertThat(outbox.pending()).isEqualTo(3);
    assertThat(outbox.stats().oldestPendingAge()).isGreaterThanOrEqualTo(Duration.ZERO);
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void refusesBadInputAsTheRelayerDoesAndNeverWritesIt(String db) throws Exception {
    DataSource ds = database(db);
    Outbox outbox = outbox(ds, b -> {});
    List<Map<String, Object>> events = new ArrayList<>();
    events.add(Map.of("url", "https://en.example.org/wiki/Good"));
    events.add(null);
    events.add(Map.of("nourl", "x"));
    events.add(Map.of("url", "ftp://en.example.org/x"));
    events.add(Map.of("url", "https://en.example.org/" + "a".repeat(9000)));
    events.add(Map.of("url", "https://en.example.org/wiki/T", "timestamp", "yesterday"));
    events.add(Map.of("url", "https://en.example.org/wiki/Good")); // a duplicate within the call: written once
    RelayResult viaOutbox = inTransaction(ds, true, tx -> outbox.notifyMulti(tx, Databases.CHANNEL, events));
    try (EventRelayerGroup other = EventRelayerGroup.fromMap(Databases.config(intake.url()))) {
      RelayResult direct = other.getRelayer(Databases.CHANNEL).notifyMulti(Databases.CHANNEL, events);
      assertThat(viaOutbox.refused()).isEqualTo(direct.refused());
      assertThat(viaOutbox.accepted()).isEqualTo(direct.accepted()).isEqualTo(2);
    }
    assertThat(viaOutbox.refused()).extracting(Refusal::reason).containsExactly(RefusalReason.INVALID_EVENT,
        RefusalReason.MISSING_URL, RefusalReason.INVALID_URL, RefusalReason.URL_TOO_LONG,
        RefusalReason.INVALID_EVENT);
    RelayResult blank = inTransaction(ds, true, tx -> outbox.notify(tx, " ", Map.of("url", "https://a.org/")));
    assertThat(blank.refused()).extracting(Refusal::reason).containsExactly(RefusalReason.INVALID_CHANNEL);
    RelayResult unrouted = inTransaction(ds, true, tx -> outbox.notify(tx, "no-such-channel", Map.of("k", 1)));
    assertThat(unrouted.refused()).extracting(Refusal::reason).containsExactly(RefusalReason.WRONG_CHANNEL);
    assertThat(outbox.pending()).isEqualTo(1);
    assertThat(outbox.stats().refused()).isEqualTo(7);
  }

  @Test
  void refusesAtNotifyAnEventTooLargeForAnyBatchOfItsService() throws Exception {
    group.close();
    group = groupWith(Map.of("maxBatchBytes", "1KiB"));
    DataSource ds = Databases.h2();
    Outbox outbox = outbox(ds, b -> {});
    Map<String, Object> big = Map.of("$schema", "/x/1.0.0", "meta", Map.of("stream", "page-change"),
        "text", "x".repeat(2000));
    RelayResult r = inTransaction(ds, true, tx -> outbox.notifyMulti(tx, "page-events",
        List.of(big, Map.of("$schema", "/x/1.0.0", "small", true))));
    assertThat(r.refused()).extracting(Refusal::index, Refusal::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(0, RefusalReason.EVENT_TOO_LARGE));
    assertThat(r.refused().get(0).detail()).contains("1022 bytes"); // maxBatchBytes less the batch's brackets
    assertThat(outbox.pending()).isEqualTo(1);
  }

  /** The test group with these engine keys changed on its service. */
  private EventRelayerGroup groupWith(Map<String, Object> changes) {
    Map<String, Object> config = Databases.config(intake.url());
    @SuppressWarnings("unchecked")
    Map<String, Object> service = new LinkedHashMap<>((Map<String, Object>) ((Map<String, Object>)
        config.get("eventServices")).get("intake"));
    service.putAll(changes);
    return EventRelayerGroup.fromMap(Map.of("relayers", config.get("relayers"),
        "eventServices", Map.of("intake", service)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void relaysTheEventBuiltAtNotifyTimeWithItsIdAndDate(String db) throws Exception {
    DataSource ds = database(db);
    Outbox outbox = outbox(ds, b -> {});
    inTransaction(ds, true, tx -> outbox.notify(tx, Databases.CHANNEL,
        Map.of("url", "https://en.example.org/wiki/Fixed", "timestamp", 1_700_000_000)));
    Map<String, Object> page = new LinkedHashMap<>();
    page.put("$schema", "/page/change/1.0.0");
    page.put("meta", Map.of("id", "3f1c0b7e-0000-4000-8000-000000000001", "dt", "2026-12-01T00:00:00Z",
        "stream", "page-change", "uri", "https://en.example.org/wiki/Page"));
    page.put("rev", List.of(1, 2.5, true));
    inTransaction(ds, true, tx -> outbox.notify(tx, "page-events", page));
    Map<String, String> stored = new HashMap<>();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT channel, event FROM " + outbox.table())) {
      while (rs.next()) {
        stored.put(rs.getString(1), rs.getString(2));
      }
    }
    JsonNode purge = JSON.readTree(stored.get(Databases.CHANNEL));
    assertThat(purge.at("/meta/dt").asText()).isEqualTo("2023-11-14T22:13:20.000Z");
    outbox.start();
    assertThat(outbox.flush(Duration.ofSeconds(30))).isTrue();
    String purgeId = purge.at("/meta/id").asText();
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.distinctIds() == 2);
    assertThat(intake.lastEvent(purgeId)).isEqualTo(purge);
    assertThat(intake.lastEvent("3f1c0b7e-0000-4000-8000-000000000001"))
        .isEqualTo(JSON.readTree(stored.get("page-events"))).isEqualTo(JSON.valueToTree(page));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void coalescesEqualPendingPurges(String db) throws Exception {
    DataSource ds = database(db);
    Outbox outbox = outbox(ds, b -> {});
    for (int i = 0; i < 10; i++) {
      inTransaction(ds, true, tx -> outbox.notify(tx, Databases.CHANNEL, Map.of("url",
          "https://en.example.org/wiki/Hot")));
    }
    inTransaction(ds, true, tx -> outbox.notifyMulti(tx, Databases.CHANNEL,
        Databases.urls("https://en.example.org/wiki/Cold_", 0, 5)));
    outbox.start();
    assertThat(outbox.flush(Duration.ofSeconds(30))).isTrue();
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().size() == 6);
    assertThat(intake.events()).isEqualTo(6);
    OutboxStats s = outbox.stats();
    assertThat(s.coalesced()).isEqualTo(9);
    assertThat(s.relayed()).isEqualTo(15);
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void keepsDeadLettersWithTheirReasonAndForgetsThemAfterTheRetention(String db) throws Exception {
    DataSource ds = database(db);
    Outbox outbox = outbox(ds, b -> b.deadLetterRetention(Duration.ofDays(1)));
    String table = outbox.table();
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
        + "_dead (id, channel, stream, event, created_ms, dead_ms, reason) VALUES (-1, 'c', 's', '{}', 1, 1, 'old')")) {
      ps.executeUpdate();
    }
    inTransaction(ds, true, tx -> outbox.notify(tx, Databases.CHANNEL, Map.of("url",
        "https://en.example.org/wiki/" + RecordingIntake.REFUSE_MARKER)));
    outbox.start();
    assertThat(outbox.flush(Duration.ofSeconds(30))).isTrue();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id, reason, event FROM " + table + "_dead ORDER BY id")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).as("the old dead letter is gone").isPositive();
      assertThat(rs.getString(2)).isNotBlank();
      assertThat(rs.getString(3)).contains(RecordingIntake.REFUSE_MARKER);
      assertThat(rs.next()).isFalse();
    }
    assertThat(outbox.stats().deadLettered()).isEqualTo(1);
    assertThat(intake.events()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void waitsInTheTableWhileTheQueueIsFullAndTheIntakeDown(String db) throws Exception {
    group.close();
    group = groupWith(Map.of("queueCapacity", 20, "maxBatchEvents", 10));
    DataSource ds = database(db);
    Outbox outbox = outbox(ds, b -> b.batchSize(50));
    inTransaction(ds, true, tx -> outbox.notifyMulti(tx, Databases.CHANNEL,
        Databases.urls("https://en.example.org/wiki/Wait_", 0, 500)));
    intake.stop();
    outbox.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> outbox.stats().claimed() >= 50);
    assertThat(outbox.pending()).as("rows stay in the table while nothing is delivered").isEqualTo(500);
    assertThat(outbox.stats().claimed()).as("claims stop at the in-flight bound").isLessThanOrEqualTo(1000);
    intake.start();
    assertThat(outbox.flush(Duration.ofSeconds(60))).isTrue();
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().size() == 500);
    OutboxStats s = outbox.stats();
    assertThat(s.relayed()).isEqualTo(500);
    assertThat(s.deadLettered()).isZero();
    assertThat(s.released()).isZero();
  }

  @Test
  void rowsGoBackToTheTableWhenTheGroupClosesUnderTheRelay() throws Exception {
    DataSource ds = Databases.h2();
    Outbox first = outbox(ds, b -> {});
    intake.stop();
    first.start();
    inTransaction(ds, true, tx -> first.notifyMulti(tx, Databases.CHANNEL,
        Databases.urls("https://en.example.org/wiki/Back_", 0, 50)));
    await().atMost(Duration.ofSeconds(30)).until(() -> first.stats().claimed() >= 50);
    group.close(Duration.ofMillis(200)); // the engine drops what it holds: the rows must not be lost
    await().atMost(Duration.ofSeconds(30)).until(() -> first.stats().released() >= 50);
    assertThat(first.pending()).isEqualTo(50);
    assertThat(first.stats().deadLettered()).isZero();
    first.close();

    intake.start();
    group = EventRelayerGroup.fromMap(Databases.config(intake.url()));
    Outbox second = Outbox.builder(ds, group).table(first.table()).pollInterval(Duration.ofMillis(50)).build();
    toClose.add(second);
    second.start();
    assertThat(second.flush(Duration.ofSeconds(30))).isTrue();
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().size() == 50);
  }

  @Test
  void wakeUpHintDeliversLongBeforeThePoll() throws Exception {
    DataSource ds = Databases.postgres();
    Outbox outbox = outbox(ds, b -> b.pollInterval(Duration.ofMinutes(10)));
    outbox.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> outbox.stats().claimed() == 0 && outbox.pending() == 0);
    for (int i = 0; i < 3; i++) { // each commit wakes the relay; a poll would take ten minutes
      int n = i;
      inTransaction(ds, true, tx -> outbox.notify(tx, Databases.CHANNEL,
          Map.of("url", "https://en.example.org/wiki/Hint_" + n)));
      await().atMost(Duration.ofSeconds(20)).until(() -> intake.uris().size() == n + 1);
    }
    assertThat(outbox.toString()).contains("hint=true");
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void installsTheSchemaIdempotentlyAndRefusesAfterClose(String db) throws Exception {
    DataSource ds = database(db);
    Outbox outbox = outbox(ds, b -> {});
    outbox.installSchema();
    outbox.installSchema();
    outbox.close();
    RelayResult r = inTransaction(ds, true, tx -> outbox.notifyMulti(tx, Databases.CHANNEL,
        Databases.urls("https://en.example.org/wiki/Late_", 0, 2)));
    assertThat(r.refused()).extracting(Refusal::reason).containsOnly(RefusalReason.CLOSED);
    assertThat(outbox.pending()).isZero();
    assertThatThrownBy(outbox::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void builderNamesTheParameterItRefuses() {
    DataSource ds = Databases.h2();
    assertThatThrownBy(() -> Outbox.builder(ds, group).table("x; DROP TABLE y"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("table ");
    assertThatThrownBy(() -> Outbox.builder(ds, group).pollInterval(Duration.ZERO))
        .hasMessageStartingWith("pollInterval ");
    assertThatThrownBy(() -> Outbox.builder(ds, group).lease(Duration.ofMillis(10)))
        .hasMessageStartingWith("lease ");
    assertThatThrownBy(() -> Outbox.builder(ds, group).batchSize(0)).hasMessageStartingWith("batchSize ");
    assertThatThrownBy(() -> Outbox.builder(null, group)).hasMessage("dataSource");
    assertThatThrownBy(() -> Outbox.builder(ds, null)).hasMessage("group");
  }
}
