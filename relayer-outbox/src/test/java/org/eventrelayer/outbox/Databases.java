package org.eventrelayer.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.eventrelayer.testkit.PostgresServer;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** The databases and group config the outbox tests share: the JVM's PostgreSQL server, in-memory H2. */
final class Databases {

  static final String CHANNEL = "cdn-url-purges";
  static final String STREAM = "resource-purge";
  private static final AtomicInteger SEQ = new AtomicInteger();

  private Databases() {}

  /** The JVM's PostgreSQL server (started once), database {@code postgres}. */
  static DataSource postgres() {
    return postgres(PostgresServer.shared());
  }

  static DataSource postgres(PostgresServer server) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(server.jdbcUrl());
    return ds;
  }

  /** A fresh in-memory H2 database, kept while the JVM runs. */
  static DataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:outbox" + SEQ.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  /** A table name no other test uses. */
  static String table() {
    return "outbox_t" + ProcessHandle.current().pid() + "_" + SEQ.incrementAndGet();
  }

  static void execute(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** A group with a cdn-purge relayer for {@link #CHANNEL} and a JSON stream relayer for {@code page-events}. */
  static Map<String, Object> config(String intakeUrl) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "http");
    s.put("url", intakeUrl);
    s.put("timeout", "5s");
    s.put("queueCapacity", 5000);
    s.put("maxBatchEvents", 200);
    s.put("linger", "1ms");
    s.put("retry.initialBackoff", "20ms");
    s.put("retry.maxBackoff", "200ms");
    s.put("breaker.waitInOpenState", "100ms");
    s.put("breaker.maxWaitInOpenState", "500ms");
    return Map.of(
        "relayers", Map.of(
            CHANNEL, Map.of("type", "cdn-purge", "stream", STREAM, "domain", "en.example.org"),
            "page-events", Map.of("type", "stream", "stream", "page-change"),
            "default", Map.of("type", "none")),
        "eventServices", Map.of("intake", s));
  }

  /** Purge inputs for URLs {@code prefix + i}, {@code i} in [from, from + n). */
  static List<Map<String, Object>> urls(String prefix, int from, int n) {
    return IntStream.range(from, from + n)
        .mapToObj(i -> Map.<String, Object>of("url", prefix + i))
        .collect(Collectors.toList());
  }
}
