package org.eventrelayer.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The outbox table and its dead-letter table ({@code <table>_dead}) on one database: the portable statements the
 * relay and the stats run. Every method works on a connection the caller owns and leaves commits to it.
 */
final class OutboxTable {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}(\\.[A-Za-z_][A-Za-z0-9_]{0,40})?");
  /** Ids per IN list: short enough for every driver's parameter limit, long enough to batch a claim. */
  static final int MAX_IDS = 1000;

  final String name;
  final String deadName;
  final Dialect dialect;

  OutboxTable(String name, Dialect dialect) {
    this.name = name;
    this.deadName = name + "_dead";
    this.dialect = dialect;
  }

  /**
   * Checks a table name: letters, digits and underscores, optionally schema-qualified.
   *
   * @return the problem, or {@code null} if the name is fine
   */
  static String problem(String table) {
    if (table == null || !NAME.matcher(table).matches()) {
      return "must be an unquoted SQL name of letters, digits and '_' (optionally schema.name, at most 41 "
          + "characters each), got " + (table == null ? "null" : "'" + table + "'");
    }
    return null;
  }

  /** The channel of the wake-up hint: the table's name (NOTIFY channels are case-sensitive, so lower-cased). */
  String hintChannel() {
    return name.toLowerCase(java.util.Locale.ROOT);
  }

  void install(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      for (String ddl : dialect.ddl(name, deadName)) {
        st.execute(ddl);
      }
    }
  }

  List<OutboxRow> claim(Connection c, String owner, long now, long leaseUntil, int limit) throws SQLException {
    return dialect.claim(c, name, owner, now, leaseUntil, limit);
  }

  /** Deletes rows whose events are final. */
  void delete(Connection c, long[] ids, int count) throws SQLException {
    for (int from = 0; from < count; from += MAX_IDS) {
      int n = Math.min(MAX_IDS, count - from);
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + name + " WHERE id IN (" + marks(n) + ")")) {
        for (int i = 0; i < n; i++) {
          ps.setLong(i + 1, ids[from + i]);
        }
        ps.executeUpdate();
      }
    }
  }

  /** Gives rows back (lease expired at once) so any relay claims them again; only rows still leased to owner. */
  void release(Connection c, String owner, long[] ids, int count) throws SQLException {
    updateLeased(c, owner, ids, count, "lease_owner = NULL, lease_until_ms = 0");
  }

  /** Moves rows to the dead-letter table with their reasons (a row already there or gone is skipped). */
  void deadLetter(Connection c, long[] ids, String[] reasons, int count, long now) throws SQLException {
    try (PreparedStatement copy = c.prepareStatement("INSERT INTO " + deadName
            + " (id, channel, stream, event, created_ms, dead_ms, reason) SELECT id, channel, stream, event, "
            + "created_ms, ?, ? FROM " + name + " WHERE id = ? AND NOT EXISTS (SELECT 1 FROM " + deadName
            + " WHERE id = ?)");
        PreparedStatement delete = c.prepareStatement("DELETE FROM " + name + " WHERE id = ?")) {
      for (int i = 0; i < count; i++) {
        String reason = reasons[i] == null ? "dead-lettered" : reasons[i];
        copy.setLong(1, now);
        copy.setString(2, reason.length() > 2000 ? reason.substring(0, 2000) : reason);
        copy.setLong(3, ids[i]);
        copy.setLong(4, ids[i]);
        copy.addBatch();
        delete.setLong(1, ids[i]);
        delete.addBatch();
      }
      copy.executeBatch();
      delete.executeBatch();
    }
  }

  /** Gives back every row {@code owner} holds. */
  int releaseAll(Connection c, String owner) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE " + name + " SET lease_owner = NULL, lease_until_ms = 0 "
        + "WHERE lease_owner = ?")) {
      ps.setString(1, owner);
      return ps.executeUpdate();
    }
  }

  /** Extends the lease of the rows {@code ids} that {@code owner} still holds. */
  void renew(Connection c, String owner, Collection<Long> ids, long leaseUntil) throws SQLException {
    long[] all = ids.stream().mapToLong(Long::longValue).toArray();
    updateLeased(c, owner, all, all.length, "lease_until_ms = ?", leaseUntil);
  }

  /**
   * {@code UPDATE ... SET set WHERE lease_owner = owner AND id IN (ids)}, at most {@link #MAX_IDS} ids a
   * statement: only rows still leased to {@code owner} change. {@code values} bind the parameters of {@code set}.
   */
  private void updateLeased(Connection c, String owner, long[] ids, int count, String set, long... values)
      throws SQLException {
    for (int from = 0; from < count; from += MAX_IDS) {
      int n = Math.min(MAX_IDS, count - from);
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + name + " SET " + set
          + " WHERE lease_owner = ? AND id IN (" + marks(n) + ")")) {
        int p = 1;
        for (long v : values) {
          ps.setLong(p++, v);
        }
        ps.setString(p++, owner);
        for (int i = 0; i < n; i++) {
          ps.setLong(p + i, ids[from + i]);
        }
        ps.executeUpdate();
      }
    }
  }

  /** Deletes dead letters older than the retention. */
  int purgeDead(Connection c, long deadBefore) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + deadName + " WHERE dead_ms < ?")) {
      ps.setLong(1, deadBefore);
      return ps.executeUpdate();
    }
  }

  /** {count, oldest created_ms or -1} of the rows in the table. */
  long[] pending(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COUNT(*), MIN(created_ms) FROM " + name)) {
      rs.next();
      long count = rs.getLong(1);
      long oldest = rs.getLong(2);
      return new long[] {count, rs.wasNull() ? -1 : oldest};
    }
  }

  /** The highest id in the table, or 0 if it is empty. */
  long maxId(Connection c) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT MAX(id) FROM " + name)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** How many rows with an id up to {@code maxId} are still in the table. */
  long countUpTo(Connection c, long maxId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + name + " WHERE id <= ?")) {
      ps.setLong(1, maxId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static String marks(int n) {
    StringBuilder sb = new StringBuilder(n * 2);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ",?");
    }
    return sb.toString();
  }
}
