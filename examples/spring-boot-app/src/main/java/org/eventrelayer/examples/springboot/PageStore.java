package org.eventrelayer.examples.springboot;

import java.util.List;
import java.util.Map;
import org.eventrelayer.RelayResult;
import org.eventrelayer.spring.boot.autoconfigure.outbox.TransactionalOutbox;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The wiki's page store on its database (embedded H2 here): an edit saves the page's text and writes its purges
 * through the transactional outbox in the same transaction, so the purges are relayed if and only if the edit
 * commits.
 */
@Service
class PageStore {

  private static final String CHANNEL = "cdn-url-purges";

  private final JdbcTemplate jdbc;
  private final TransactionalOutbox outbox;

  PageStore(JdbcTemplate jdbc, TransactionalOutbox outbox) {
    this.jdbc = jdbc;
    this.outbox = outbox;
  }

  /**
   * Saves a revision of {@code title} and purges its URLs. With {@code fail}, the edit fails after both were
   * written (as a constraint check or a later step could): the transaction rolls back and nothing is relayed.
   */
  @Transactional
  public RelayResult edit(String title, String text, boolean fail) {
    jdbc.update("INSERT INTO revision (title, text) VALUES (?, ?)", title, text);
    RelayResult r = outbox.notifyMulti(CHANNEL, List.of(
        Map.of("url", "https://en.example.org/wiki/" + title),
        Map.of("url", "https://en.example.org/w/index.php?title=" + title + "&action=history")));
    if (fail) {
      throw new EditFailedException(title);
    }
    return r;
  }

  /** How many revisions of {@code title} were committed. */
  @Transactional(readOnly = true)
  public long revisions(String title) {
    return jdbc.queryForObject("SELECT COUNT(*) FROM revision WHERE title = ?", Long.class, title);
  }

  /** An edit that failed after its row and purges were written; it rolls the transaction back. */
  static final class EditFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EditFailedException(String title) {
      super("the edit of " + title + " failed; its revision and purges were rolled back");
    }
  }
}
