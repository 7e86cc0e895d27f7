package org.eventrelayer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.eventrelayer.RelayResult;
import org.eventrelayer.outbox.Outbox;
import org.eventrelayer.spring.boot.autoconfigure.OutboxTestApplication.PageStore;
import org.eventrelayer.spring.boot.autoconfigure.outbox.TransactionalOutbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A real Spring Boot application with a real database whose {@code @Transactional} page saves write their purges
 * through the auto-configured outbox, relayed to a real intake on 127.0.0.1. One context per database.
 */
abstract class OutboxApplicationTestBase {

  static final Duration WAIT = Duration.ofSeconds(30);

  static LoopbackIntake intake;
  static ConfigurableApplicationContext app;
  private static int seq;

  /** Starts the application on {@code datasourceUrl}, with {@code extra} properties. */
  static void start(String datasourceUrl, String... extra) {
    intake = new LoopbackIntake();
    app = new SpringApplicationBuilder(OutboxTestApplication.class)
        .properties("spring.config.location=classpath:relay/application.yml", "intake.url=" + intake.url(),
            "spring.datasource.url=" + datasourceUrl, "eventrelayer.outbox.poll-interval=50ms")
        .properties(extra)
        .run();
    app.getBean(JdbcTemplate.class).execute(OutboxTestApplication.PAGE_DDL);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (intake != null) {
      intake.close();
    }
  }

  @Test
  void aCommittedTransactionRelaysItsPurges() {
    List<String> urls = urls(3);

    RelayResult r = pages().save(title(), urls, false);

    assertThat(r.accepted()).isEqualTo(3);
    await().atMost(WAIT).until(() -> received().containsAll(urls));
  }

  @Test
  void aRolledBackTransactionRelaysNothing() {
    List<String> rolledBack = urls(2);
    String failed = title();

    assertThatThrownBy(() -> pages().save(failed, rolledBack, true)).isInstanceOf(IllegalStateException.class);
    // A later committed save arrives: the relay has run past where the rolled-back rows would have been.
    List<String> committed = urls(1);
    pages().save(title(), committed, false);
    await().atMost(WAIT).until(() -> received().containsAll(committed));
    assertThat(outbox().flush(WAIT)).isTrue();

    assertThat(received()).doesNotContainAnyElementsOf(rolledBack);
    assertThat(pageCount(failed)).isZero();
    assertThat(outbox().pending()).isZero();
  }

  @Test
  void theHostsRowAndTheOutboxRowsCommitTogether() {
    assertThat(outbox().flush(WAIT)).isTrue();
    String title = title();
    List<String> urls = urls(4);
    JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);

    new TransactionTemplate(app.getBean(PlatformTransactionManager.class))
        .executeWithoutResult(status -> {
          pages().save(title, urls, false);
          // Inside the transaction both are there; outside (other connections) neither is, until the commit.
          assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + outbox().table(), Long.class)).isEqualTo(4);
          assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM page WHERE title = ?", Long.class, title))
              .isEqualTo(1);
          assertThat(outbox().pending()).isZero();
          assertThat(pageCountOutside(title)).isZero();
        });

    assertThat(pageCountOutside(title)).isOne();
    await().atMost(WAIT).until(() -> received().containsAll(urls));
  }

  @Test
  void notifyOutsideATransactionFailsAndWritesNothing() {
    assertThat(outbox().flush(WAIT)).isTrue();
    TransactionalOutbox tx = app.getBean(TransactionalOutbox.class);

    assertThatThrownBy(() -> tx.notify("cdn-url-purges", Map.of("url", urls(1).get(0))))
        .isInstanceOf(IllegalTransactionStateException.class).hasMessageContaining("needs an active transaction");
    assertThat(outbox().pending()).isZero();
  }

  static PageStore pages() {
    return app.getBean(PageStore.class);
  }

  static Outbox outbox() {
    return app.getBean(Outbox.class);
  }

  static synchronized String title() {
    return "Page_" + (seq++);
  }

  static synchronized List<String> urls(int n) {
    String base = "https://en.example.org/wiki/Outboxed_" + (seq++) + "_";
    return IntStream.range(0, n).mapToObj(i -> base + i).toList();
  }

  static List<String> received() {
    return intake.events().stream().map(e -> e.path("meta").path("uri").asText()).collect(Collectors.toList());
  }

  private static long pageCount(String title) {
    return app.getBean(JdbcTemplate.class).queryForObject("SELECT COUNT(*) FROM page WHERE title = ?", Long.class,
        title);
  }

  /** Counted on a connection of its own, not the one a transaction on this thread holds. */
  private static long pageCountOutside(String title) {
    try (Connection c = app.getBean(DataSource.class).getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM page WHERE title = ?")) {
      ps.setString(1, title);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
