package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.eventrelayer.testkit.PostgresServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The outbox in a real Spring Boot application on a real PostgreSQL server (relayer-testkit's, on 127.0.0.1):
 * a database of its own, the schema installed by {@code install-schema: always}, the wake-up hint sent in the
 * host's transaction.
 */
class PostgresOutboxApplicationTest extends OutboxApplicationTestBase {

  private static final String DATABASE = "spring_outbox";

  @BeforeAll
  static void startApp() throws Exception {
    PostgresServer server = PostgresServer.shared();
    try (Connection c = DriverManager.getConnection(server.jdbcUrl()); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + DATABASE);
      st.execute("CREATE DATABASE " + DATABASE);
    }
    start(server.jdbcUrl(DATABASE), "eventrelayer.outbox.install-schema=always",
        // A poll interval far beyond the tests' waits: delivery within them proves the hint woke the relay.
        "eventrelayer.outbox.poll-interval=10m");
  }

  @Test
  void theOutboxRunsOnPostgresql() {
    assertThat(outbox().toString()).contains("database=postgresql").contains("hint=true");
  }
}
