package org.eventrelayer.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.testkit.ChildJvm;
import org.eventrelayer.testkit.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hosts and relays in JVMs of their own, killed with SIGKILL, on a real PostgreSQL server. */
class OutboxCrashTest {

  private static final int EVENTS = 20_000;
  private static final int BATCH = 200;
  /** What one relay holds at most: eight claims (see Outbox.Builder#batchSize), at least 1000. */
  private static final int MAX_IN_FLIGHT = Math.max(1000, BATCH * 8);

  @TempDir Path dir;
  private RecordingIntake intake;
  private EventRelayerGroup group;
  private final DataSource ds = Databases.postgres();
  private final String table = Databases.table();

  @BeforeEach
  void setUp() throws Exception {
    intake = new RecordingIntake().start();
    group = EventRelayerGroup.fromMap(Databases.config(intake.url()));
    try (Outbox schema = Outbox.builder(ds, group).table(table).build()) {
      schema.installSchema();
    }
  }

  @AfterEach
  void tearDown() {
    group.close();
    intake.close();
  }

  private ChildJvm child(String name, String... args) throws Exception {
    String[] all = new String[args.length + 3];
    all[0] = args[0];
    all[1] = PostgresServer.shared().jdbcUrl();
    all[2] = table;
    all[3] = intake.url();
    System.arraycopy(args, 1, all, 4, args.length - 1);
    return ChildJvm.start(OutboxHost.class, Files.createFile(dir.resolve(name + ".err")), all);
  }

  @Test
  void aCommitWhoseJvmIsKilledBeforeTheRelayRanIsRelayedByTheNextStart() throws Exception {
    ChildJvm host = child("host", "write", "300");
    await().atMost(Duration.ofSeconds(60)).until(() -> host.lastNumber("COMMITTED") == 300 || !host.isAlive());
    assertThat(host.lastNumber("COMMITTED")).as("child stderr: %s", Files.readString(dir.resolve("host.err")))
        .isEqualTo(300);
    host.kill();
    assertThat(intake.events()).as("the host never relayed").isZero();
    try (Outbox outbox = Outbox.builder(ds, group).table(table).build()) {
      outbox.start();
      assertThat(outbox.flush(Duration.ofSeconds(60))).isTrue();
    }
    Set<String> expected = Databases.urls(OutboxHost.COMMITTED, 0, 300).stream()
        .map(m -> (String) m.get("url")).collect(Collectors.toSet());
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().size() >= 300);
    assertThat(intake.uris()).isEqualTo(expected);
  }

  @Test
  void twoRelaysShareOneTableWithoutDuplicatesAndSurviveTheKillOfOne() throws Exception {
    write(0, EVENTS);
    ChildJvm a = child("a", "relay", "2000", Integer.toString(BATCH));
    ChildJvm b = child("b", "relay", "2000", Integer.toString(BATCH));
    await().atMost(Duration.ofSeconds(90)).until(() -> intake.distinctIds() == EVENTS);
    assertThat(intake.duplicates()).as("nothing crashed: no row sent twice").isZero();
    // Each relay prints what it claimed every 20 ms: wait for the last line, then check no row was claimed twice.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> a.lastNumber("CLAIMED") + b.lastNumber("CLAIMED") >= EVENTS);
    assertThat(a.lastNumber("CLAIMED")).as("both relays worked").isPositive();
    assertThat(b.lastNumber("CLAIMED")).isPositive();
    assertThat(a.lastNumber("CLAIMED") + b.lastNumber("CLAIMED")).isEqualTo(EVENTS);

    write(EVENTS, EVENTS);
    await().atMost(Duration.ofSeconds(60)).until(() -> intake.distinctIds() >= EVENTS + EVENTS / 5);
    a.kill();
    // What it had claimed and not yet deleted: the only rows that may be sent twice.
    long heldByKilled = heldBy(a.process().pid());
    await().atMost(Duration.ofSeconds(90)).until(() -> intake.distinctIds() == 2 * EVENTS);
    // Rows it sent but had not deleted stay leased to it until the lease expires; then the survivor sends them.
    await().atMost(Duration.ofSeconds(30)).until(() -> pending() == 0);
    assertThat(heldBy(a.process().pid())).as("the survivor took them over after the lease").isZero();
    assertThat(intake.duplicates()).as("duplicates are bounded by what the killed relay held")
        .isLessThanOrEqualTo(heldByKilled).isLessThanOrEqualTo(MAX_IN_FLIGHT);
    b.kill();
  }

  /** Rows a relay of process {@code pid} holds (its lease owner names its pid). */
  private long heldBy(long pid) throws Exception {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table + " WHERE lease_owner LIKE 'pid" + pid
            + "-%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void theRowsOfARelayThatDiedAreTakenOverAfterItsLease() throws Exception {
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    write(0, 500);
    // This relay's intake refuses connections: it claims rows and holds them, retrying, until it is killed.
    ChildJvm holder = ChildJvm.start(OutboxHost.class, Files.createFile(dir.resolve("holder.err")), "relay",
        PostgresServer.shared().jdbcUrl(), table, "http://127.0.0.1:" + closedPort + "/v1/events", "2000", "100");
    await().atMost(Duration.ofSeconds(60)).until(() -> heldBy(holder.process().pid()) > 0);
    holder.kill();
    long held = heldBy(holder.process().pid());
    try (Outbox survivor = Outbox.builder(ds, group).table(table).pollInterval(Duration.ofMillis(100)).build()) {
      survivor.start();
      assertThat(survivor.flush(Duration.ofSeconds(60))).isTrue();
      assertThat(survivor.stats().claimed()).isEqualTo(500);
    }
    assertThat(held).as("rows the dead relay held, taken over").isPositive();
    assertThat(heldBy(holder.process().pid())).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> intake.uris().size() == 500);
  }

  private long pending() {
    try (Outbox o = Outbox.builder(ds, group).table(table).build()) {
      return o.pending();
    }
  }

  private void write(int from, int n) throws Exception {
    try (Outbox writer = Outbox.builder(ds, group).table(table).build()) {
      for (int at = from; at < from + n; at += 500) {
        try (Connection tx = ds.getConnection()) {
          tx.setAutoCommit(false);
          writer.notifyMulti(tx, Databases.CHANNEL, Databases.urls("https://en.example.org/wiki/Two_", at, 500));
          tx.commit();
        }
      }
    }
  }
}
