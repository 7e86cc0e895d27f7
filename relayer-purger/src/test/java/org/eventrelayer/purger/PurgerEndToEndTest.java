package org.eventrelayer.purger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.cdn.testing.CacheClient;
import org.eventrelayer.cdn.testing.LocalVarnish;
import org.eventrelayer.cdn.testing.Origin;
import org.eventrelayer.kafka.PurgerTestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end on real parts: a host's relayer writes purges to Kafka (the in-process broker), the purger reads them
 * and purges two real Varnish instances (backends, then frontends after the stage delay), and the pages are gone
 * from both caches: the next request of each reaches the origin.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PurgerEndToEndTest {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private PurgerTestBroker broker;
  private Origin origin;
  private LocalVarnish backend;
  private LocalVarnish frontend;
  private final CacheClient browser = new CacheClient();

  @BeforeAll
  void start() {
    broker = PurgerTestBroker.start();
    origin = Origin.start();
    backend = LocalVarnish.start(LocalVarnish.vcl(origin.port(), "\"127.0.0.1\"", false));
    frontend = LocalVarnish.start(LocalVarnish.vcl(origin.port(), "\"127.0.0.1\"", false));
  }

  @AfterAll
  void stop() throws Exception {
    browser.close();
    backend.close();
    frontend.close();
    origin.close();
    broker.close();
  }

  @Test
  void hostToKafkaToPurgerToVarnishEvictsThePages() {
    String topic = PurgerFixture.unique("resource-purge");
    String groupId = PurgerFixture.unique("purgers");
    broker.createTopic(topic, 2);
    List<String> paths = List.of("/wiki/Main_Page", "/wiki/Template:Infobox", "/w/index.php?title=X&action=raw");
    String host = "en.example.org";
    for (String p : paths) {
      for (LocalVarnish cache : List.of(backend, frontend)) {
        browser.get(cache, host, p);
        browser.get(cache, host, p);
      }
      assertThat(origin.hits(host, p)).isEqualTo(2); // one miss per cache, then cached
    }

    try (Purger purger = Purger.fromMap(PurgerFixture.config(broker, topic, groupId,
            Map.of("backends", PurgerFixture.varnish(backend.hostPort()),
                "frontends", PurgerFixture.varnish(frontend.hostPort())),
            "backends,frontends", "stageDelay", "200ms")).start();
        EventRelayerGroup host1 = EventRelayerGroup.fromMap(Map.of(
            "relayers", Map.of("cdn-url-purges", Map.of("type", "cdn-purge", "stream", topic),
                "default", Map.of("type", "none")),
            "eventServices", Map.of("kafka", Map.of("type", "kafka", "bootstrap.servers", broker.bootstrapServers()))))) {
      RelayResult r = host1.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges",
          paths.stream().map(p -> Map.<String, Object>of("url", "https://" + host + p)).toList());
      assertThat(r.accepted()).isEqualTo(3);
      assertThat(r.awaitDelivery(PATIENCE).orElseThrow().allDelivered()).isTrue();

      await().atMost(PATIENCE).until(() -> purger.stats().purged() == 3 && purger.stats().backlog() == 0);
      for (String p : paths) {
        browser.get(backend, host, p);
        browser.get(frontend, host, p);
        assertThat(origin.hits(host, p)).as(p).isEqualTo(4);
      }
      PurgerStats s = purger.stats();
      assertThat(s.polled()).isEqualTo(3);
      assertThat(s.purges()).isEqualTo(3);
      assertThat(s.deadLettered() + s.tooOld() + s.failedPurges()).isZero();
      assertThat(s.lagP99()).isNotNull();
      assertThat(purger.stageStats().get("backends").delivered()).isEqualTo(3);
      assertThat(purger.stageStats().get("frontends").delivered()).isEqualTo(3);
      await().atMost(PATIENCE).until(() -> broker.uncommitted(groupId, topic) == 0);
    }
  }
}
