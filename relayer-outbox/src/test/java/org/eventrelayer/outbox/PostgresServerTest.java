package org.eventrelayer.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.eventrelayer.testkit.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test harness itself: the server answers on loopback, and missing binaries fail saying how to get them. */
class PostgresServerTest {

  @TempDir Path empty;

  @Test
  void theSharedServerAnswersOnLoopback() throws Exception {
    try (Connection c = Databases.postgres().getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT current_setting('listen_addresses'), current_setting('fsync')")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("127.0.0.1");
      assertThat(rs.getString(2)).isEqualTo("off");
    }
    assertThat(PostgresServer.shared().jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:");
  }

  @Test
  void missingBinariesFailNamingTheScriptThatInstallsThem() {
    System.setProperty(PostgresServer.BIN_PROPERTY, empty.toString());
    try {
      assertThatThrownBy(() -> PostgresServer.start(Map.of()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is missing")
          .hasMessageContaining("scripts/services/postgresql.sh");
    } finally {
      System.clearProperty(PostgresServer.BIN_PROPERTY);
    }
  }
}
