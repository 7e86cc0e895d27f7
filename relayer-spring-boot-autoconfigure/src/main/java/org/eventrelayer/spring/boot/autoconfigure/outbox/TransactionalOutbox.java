package org.eventrelayer.spring.boot.autoconfigure.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.eventrelayer.RelayResult;
import org.eventrelayer.outbox.Outbox;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * An {@link Outbox} whose {@code notify}/{@code notifyMulti} join the current Spring-managed transaction: a
 * {@code @Transactional} method (or a {@code TransactionTemplate} callback) just calls them, and the events are
 * relayed if and only if that transaction commits.
 *
 * <pre>{@code
 * @Transactional
 * public void save(Page page) {
 *   jdbc.update("UPDATE page SET text = ? WHERE title = ?", page.text(), page.title());
 *   outbox.notify("cdn-url-purges", Map.of("url", page.url()));   // same transaction
 * }
 * }</pre>
 *
 * <p>The events are written through the connection the transaction holds for the {@link DataSource}
 * ({@link DataSourceUtils#getConnection}), so the transaction must be one of that DataSource's transaction manager
 * ({@code DataSourceTransactionManager}, {@code JdbcTransactionManager}, or a {@code JpaTransactionManager} on it).
 * Without an active transaction, or when the active one holds no connection of that DataSource, the call fails
 * with {@link IllegalTransactionStateException} and writes nothing: an event written outside the host's
 * transaction would be relayed whatever became of it. A failed insert is thrown as a {@link DataAccessException},
 * which rolls a {@code @Transactional} method back. Thread-safe.
 */
public final class TransactionalOutbox {

  private final Outbox outbox;
  private final DataSource dataSource;
  private final SQLExceptionTranslator translator;

  /**
   * Wraps {@code outbox}, whose table lives in {@code dataSource}.
   *
   * @param outbox the outbox; its lifecycle stays the caller's
   * @param dataSource the DataSource whose transactions the calls join: the one the outbox was built on
   */
  public TransactionalOutbox(Outbox outbox, DataSource dataSource) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.translator = new SQLErrorCodeSQLExceptionTranslator(dataSource);
  }

  /**
   * Writes one event in the current transaction, as {@link Outbox#notify(Connection, String, Map)} does.
   *
   * @throws IllegalTransactionStateException if no transaction of the DataSource is active on this thread
   * @throws DataAccessException if the insert failed
   */
  public RelayResult notify(String channel, Map<String, ?> event) {
    return write(tx -> outbox.notify(tx, channel, event));
  }

  /**
   * Validates the events as the channel's relayer does and writes the accepted ones in the current transaction,
   * as {@link Outbox#notifyMulti(Connection, String, List)} does.
   *
   * @throws IllegalTransactionStateException if no transaction of the DataSource is active on this thread
   * @throws DataAccessException if the insert failed
   */
  public RelayResult notifyMulti(String channel, List<? extends Map<String, ?>> events) {
    return write(tx -> outbox.notifyMulti(tx, channel, events));
  }

  /** The wrapped outbox: {@code pending()}, {@code flush(...)}, {@code stats()}. */
  public Outbox outbox() {
    return outbox;
  }

  private RelayResult write(Write write) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      throw new IllegalTransactionStateException("eventrelayer outbox: notify needs an active transaction (call it "
          + "from a @Transactional method or a TransactionTemplate); none is active on this thread, so nothing "
          + "was written");
    }
    Connection tx = DataSourceUtils.getConnection(dataSource);
    try {
      // A transaction of another resource (another DataSource's manager) leaves DataSourceUtils to hand out a
      // fresh connection in auto-commit mode: writing through it would commit at once, whatever the host does.
      if (tx.getAutoCommit()) {
        throw new IllegalTransactionStateException("eventrelayer outbox: the active transaction holds no "
            + "connection of the outbox's DataSource (is its transaction manager for another DataSource?); "
            + "nothing was written");
      }
      return write.to(tx);
    } catch (SQLException e) {
      String task = "eventrelayer outbox: write to table '" + outbox.table() + "'";
      DataAccessException translated = translator.translate(task, null, e);
      throw translated != null ? translated : new UncategorizedSQLException(task, null, e);
    } finally {
      DataSourceUtils.releaseConnection(tx, dataSource);
    }
  }

  @FunctionalInterface
  private interface Write {
    RelayResult to(Connection tx) throws SQLException;
  }
}
