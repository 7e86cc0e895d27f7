package org.eventrelayer.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lease statements of the table on H2 and a real PostgreSQL server: renewing and releasing change only the
 * rows named that the relay still holds, across more ids than one statement takes.
 */
class OutboxTableTest {

  private static final int ROWS = OutboxTable.MAX_IDS + 500;

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void renewAndReleaseTouchOnlyTheNamedRowsTheOwnerStillHolds(String db) throws SQLException {
    DataSource ds = db.equals("h2") ? Databases.h2() : Databases.postgres();
    String name = Databases.table();
    try (Connection c = ds.getConnection()) {
      OutboxTable table = new OutboxTable(name, Dialect.detect(c));
      table.install(c);
      try (PreparedStatement insert = c.prepareStatement(
          "INSERT INTO " + name + " (channel, stream, event, created_ms) VALUES (?, ?, '{}', 0)")) {
        for (int i = 0; i < ROWS + 10; i++) {
          insert.setString(1, Databases.CHANNEL);
          insert.setString(2, Databases.STREAM);
          insert.addBatch();
        }
        insert.executeBatch();
      }
      c.setAutoCommit(false);
      List<OutboxRow> mine = table.claim(c, "a", 1, 1_000, ROWS);
      c.commit();
      List<OutboxRow> theirs = table.claim(c, "b", 1, 1_000, 10);
      c.commit();
      assertThat(mine).hasSize(ROWS);
      assertThat(theirs).hasSize(10);
      // b's rows are named too: they are not a's to renew or release.
      long[] named = LongStream.concat(mine.stream().mapToLong(OutboxRow::id), theirs.stream().mapToLong(OutboxRow::id))
          .toArray();

      table.renew(c, "a", LongStream.of(named).boxed().toList(), 5_000);
      c.commit();
      assertThat(count(c, name, "lease_owner = 'a' AND lease_until_ms = 5000")).isEqualTo(ROWS);
      assertThat(count(c, name, "lease_owner = 'b' AND lease_until_ms = 1000")).isEqualTo(10);

      long[] released = LongStream.concat(mine.stream().limit(ROWS - 300).mapToLong(OutboxRow::id),
          theirs.stream().mapToLong(OutboxRow::id)).toArray();
      table.release(c, "a", released, released.length);
      c.commit();
      assertThat(count(c, name, "lease_owner IS NULL AND lease_until_ms = 0")).isEqualTo(ROWS - 300);
      assertThat(count(c, name, "lease_owner = 'a' AND lease_until_ms = 5000")).isEqualTo(300);
      assertThat(count(c, name, "lease_owner = 'b' AND lease_until_ms = 1000")).isEqualTo(10);
    }
  }

  private static long count(Connection c, String table, String where) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE " + where);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
