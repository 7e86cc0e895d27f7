package org.eventrelayer.examples.springboot;

import java.util.List;
import java.util.Map;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A wiki's page-save hook, as an HTTP endpoint: purges the page's URLs. {@code notifyMulti} returns at once,
 * whatever state the intake is in, so the request never waits on the CDN.
 */
@RestController
class PageController {

  private static final Logger log = LoggerFactory.getLogger(PageController.class);
  private static final String CHANNEL = "cdn-url-purges";

  private final EventRelayer purges;

  PageController(EventRelayerGroup group) {
    this.purges = group.getRelayer(CHANNEL);
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
}
