package org.eventrelayer.spring.boot.autoconfigure;

import java.util.List;
import java.util.Map;
import org.eventrelayer.RelayResult;
import org.eventrelayer.spring.boot.autoconfigure.outbox.TransactionalOutbox;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/** A host application with a database: everything from auto-configuration but its page store. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(OutboxTestApplication.PageStore.class)
class OutboxTestApplication {

  /** The host's own table. */
  static final String PAGE_DDL = "CREATE TABLE IF NOT EXISTS page (title VARCHAR(200) PRIMARY KEY)";

  /** Saves a page and purges its URLs in one {@code @Transactional} method, as a host would. */
  static class PageStore {
    private final JdbcTemplate jdbc;
    private final TransactionalOutbox outbox;

    PageStore(JdbcTemplate jdbc, TransactionalOutbox outbox) {
      this.jdbc = jdbc;
      this.outbox = outbox;
    }

    /** Inserts the page row, writes its purges, then fails (rolling both back) if {@code fail}. */
    @Transactional
    public RelayResult save(String title, List<String> urls, boolean fail) {
      jdbc.update("INSERT INTO page (title) VALUES (?)", title);
      RelayResult r = outbox.notifyMulti("cdn-url-purges", urls.stream().map(u -> Map.of("url", u)).toList());
      if (fail) {
        throw new IllegalStateException("the save of " + title + " failed after its purges were written");
      }
      return r;
    }
  }
}
