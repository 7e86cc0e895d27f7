package org.eventrelayer.examples.springboot;

import java.util.List;
import java.util.Map;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A wiki's page-save hook, as an HTTP endpoint: purges the page's URLs. {@code notifyMulti} returns at once,
 * whatever state the intake is in, so the request never waits on the CDN. {@code /edit} saves the page in the
 * database and writes its purges through the transactional outbox in the same transaction ({@link PageStore}).
 */
@RestController
class PageController {

  private static final Logger log = LoggerFactory.getLogger(PageController.class);
  private static final String CHANNEL = "cdn-url-purges";

  private final EventRelayer purges;
  private final PageStore pages;

  PageController(EventRelayerGroup group, PageStore pages) {
    this.purges = group.getRelayer(CHANNEL);
    this.pages = pages;
  }

  /** The page was saved: purge its view and its history. Answers how many purges were accepted. */
  @PostMapping("/pages/{title}/saved")
  Map<String, Object> saved(@PathVariable("title") String title) {
    RelayResult r = purges.notifyMulti(CHANNEL, List.of(
        Map.of("url", "https://en.example.org/wiki/" + title),
        Map.of("url", "https://en.example.org/w/index.php?title=" + title + "&action=history")));
    r.refused().forEach(x -> log.warn("purge not relayed: {}", x));
    return Map.of("accepted", r.accepted(), "refused", r.refused().stream().map(Object::toString).toList());
  }

  /**
   * Edits the page: its revision and its purges commit together. {@code ?fail=true} makes the edit fail after
   * both were written, so that nothing is saved and nothing relayed (answers 409).
   */
  @PostMapping("/pages/{title}/edit")
  Map<String, Object> edit(@PathVariable("title") String title, @RequestBody(required = false) String text,
      @RequestParam(name = "fail", defaultValue = "false") boolean fail) {
    RelayResult r = pages.edit(title, text == null ? "" : text, fail);
    return Map.of("accepted", r.accepted(), "revisions", pages.revisions(title));
  }

  @ExceptionHandler(PageStore.EditFailedException.class)
  @ResponseStatus(HttpStatus.CONFLICT)
  Map<String, Object> editFailed(PageStore.EditFailedException e) {
    return Map.of("error", e.getMessage());
  }
}
