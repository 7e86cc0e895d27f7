package org.eventrelayer.purger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eventrelayer.cdn.testing.LoopbackServer;
import org.eventrelayer.cdn.testing.PurgedUrls;
import org.eventrelayer.kafka.PurgerTestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The purger's rules, against the in-process broker and a cache on loopback that records every PURGE: coalescing
 * of a purge storm, maxAge, dead letters that never stop a partition, offsets committed only for final purges (a
 * restart purges what was not final), partitions shared by a consumer group, and its meters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PurgerBehaviourTest {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private PurgerTestBroker broker;
  private final PurgedUrls purged = new PurgedUrls();
  private LoopbackServer cache;
  private final List<Purger> purgers = new ArrayList<>();

  @BeforeAll
  void start() {
    broker = PurgerTestBroker.start();
    cache = PurgerFixture.recordingCache(purged);
  }

  @AfterEach
  void closePurgers() {
    purgers.forEach(p -> p.close(Duration.ofSeconds(5)));
    purgers.clear();
  }

  @AfterAll
  void stop() {
    cache.close();
    broker.close();
  }

  private Purger purger(String topic, String group, Object... extra) {
    Purger p = Purger.fromMap(PurgerFixture.config(broker, topic, group,
        Map.of("cache", PurgerFixture.varnish("127.0.0.1:" + cache.port())), "cache", extra));
    purgers.add(p);
    return p.start();
  }

  private static List<String> urls(String tag, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("https://en.example.org/wiki/" + tag + "_" + i);
    }
    return out;
  }

  private static List<String> events(List<String> urls) {
    Instant now = Instant.now();
    return urls.stream().map(u -> PurgerFixture.event(u, now)).toList();
  }

  @Test
  void aPurgeStormReachesTheCacheAsOnePurgePerUrl() throws Exception {
    String topic = PurgerFixture.unique("storm");
    broker.createTopic(topic, 3);
    Purger p = purger(topic, PurgerFixture.unique("g"), "coalesceWindow", "1s");
    List<String> urls = urls(topic, 200);
    List<String> storm = new ArrayList<>();
    for (int block = 0; block < urls.size(); block += 20) {
      // Each URL 10 times, interleaved with 19 others: its copies are written within milliseconds.
      for (int round = 0; round < 10; round++) {
        storm.addAll(events(urls.subList(block, block + 20)));
      }
    }
    PurgerFixture.produce(broker, topic, storm);

    await().atMost(PATIENCE).until(() -> p.stats().purged() == 2_000 && p.stats().backlog() == 0);
    for (String u : urls) {
      assertThat(purged.count(u)).as(u).isEqualTo(1);
    }
    PurgerStats s = p.stats();
    assertThat(s.purges()).isEqualTo(200);
    assertThat(s.coalesced()).isEqualTo(1_800);
  }

  @Test
  void purgesOlderThanMaxAgeAreDroppedAndCounted() throws Exception {
    String topic = PurgerFixture.unique("aged");
    broker.createTopic(topic, 1);
    String group = PurgerFixture.unique("g");
    Purger p = purger(topic, group, "maxAge", "10m");
    String old = "https://en.example.org/wiki/" + topic + "_old";
    String fresh = "https://en.example.org/wiki/" + topic + "_fresh";
    PurgerFixture.produce(broker, topic, List.of(
        PurgerFixture.event(old, Instant.now().minus(Duration.ofMinutes(11))),
        PurgerFixture.event(fresh, Instant.now())));

    await().atMost(PATIENCE).until(() -> p.stats().purged() == 1);
    assertThat(p.stats().tooOld()).isEqualTo(1);
    assertThat(purged.count(fresh)).isEqualTo(1);
    assertThat(purged.count(old)).isZero();
    await().atMost(PATIENCE).until(() -> broker.uncommitted(group, topic) == 0);
  }

  @Test
  void badRecordsAreDeadLetteredAndThePartitionGoesOn() throws Exception {
    String topic = PurgerFixture.unique("bad");
    String dlq = topic + ".dead";
    broker.createTopic(topic, 1);
    broker.createTopic(dlq, 1);
    String group = PurgerFixture.unique("g");
    Purger p = purger(topic, group, "deadLetterTopic", dlq);
    String good = "https://en.example.org/wiki/" + topic + "_after_the_bad_ones";
    PurgerFixture.produce(broker, topic, List.of(
        "not json at all",
        "{\"meta\":{\"id\":\"x\"}}",
        "{\"meta\":{\"uri\":\"ftp://en.example.org/x\"}}",
        "[1,2,3]",
        PurgerFixture.event(good, Instant.now())));

    await().atMost(PATIENCE).until(() -> p.stats().purged() == 1);
    assertThat(purged.count(good)).isEqualTo(1);
    assertThat(p.stats().deadLettered()).isEqualTo(4);
    List<ConsumerRecord<String, byte[]>> dead = broker.readAll(dlq, 4, PATIENCE);
    assertThat(dead).hasSize(4);
    assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not json at all");
    assertThat(new String(dead.get(0).headers().lastHeader("eventrelayer.reason").value(), StandardCharsets.UTF_8))
        .startsWith("not JSON");
    assertThat(new String(dead.get(2).headers().lastHeader("eventrelayer.reason").value(), StandardCharsets.UTF_8))
        .contains("http(s)");
    assertThat(new String(dead.get(1).headers().lastHeader("eventrelayer.source").value(), StandardCharsets.UTF_8))
        .isEqualTo(topic + "-0@1");
    await().atMost(PATIENCE).until(() -> broker.uncommitted(group, topic) == 0);
  }

  @Test
  void onlyFinalPurgesAreCommittedSoARestartPurgesWhatWasNot() throws Exception {
    String topic = PurgerFixture.unique("restart");
    broker.createTopic(topic, 2);
    String group = PurgerFixture.unique("g");
    PurgedUrls got = new PurgedUrls();
    LoopbackServer flaky = PurgerFixture.recordingCache(got);
    try {
      flaky.stop(); // the cache is down: nothing can become final
      Purger first = Purger.fromMap(PurgerFixture.config(broker, topic, group,
          Map.of("cache", PurgerFixture.varnish("127.0.0.1:" + flaky.port())), "cache"));
      purgers.add(first);
      first.start();
      List<String> urls = urls(topic, 20);
      PurgerFixture.produce(broker, topic, events(urls));
      await().atMost(PATIENCE).until(() -> first.stats().polled() == 20);

      assertThat(first.close(Duration.ofMillis(500))).isFalse();
      assertThat(first.stats().backlog()).isEqualTo(20);
      assertThat(broker.uncommitted(group, topic)).isEqualTo(20);

      flaky.start();
      Purger second = Purger.fromMap(PurgerFixture.config(broker, topic, group,
          Map.of("cache", PurgerFixture.varnish("127.0.0.1:" + flaky.port())), "cache"));
      purgers.add(second);
      second.start();
      await().atMost(PATIENCE).until(() -> second.stats().purged() == 20);
      for (String u : urls) {
        assertThat(got.count(u)).as(u).isEqualTo(1);
      }
      await().atMost(PATIENCE).until(() -> broker.uncommitted(group, topic) == 0);
      assertThat(second.close(Duration.ofSeconds(10))).isTrue();
    } finally {
      flaky.close();
    }
  }

  @Test
  void purgersOfOneGroupShareThePartitions() throws Exception {
    String topic = PurgerFixture.unique("shared");
    broker.createTopic(topic, 4);
    String group = PurgerFixture.unique("g");
    Purger a = purger(topic, group);
    Purger b = purger(topic, group);
    await().atMost(PATIENCE).until(() -> a.stats().consumerLag() >= 0 && b.stats().consumerLag() >= 0);
    List<String> urls = urls(topic, 400);
    // Spread over the 4 partitions: without a key the producer sends a whole batch to one partition, and the
    // records could all land in the partitions of one purger.
    PurgerFixture.produce(broker, topic, events(urls), 4);

    await().atMost(PATIENCE).until(() -> a.stats().purged() + b.stats().purged() == 400);
    assertThat(a.stats().polled()).isPositive();
    assertThat(b.stats().polled()).isPositive();
    for (String u : urls) {
      assertThat(purged.count(u)).as(u).isEqualTo(1);
    }
  }

  @Test
  void metersFollowTheStats() throws Exception {
    String topic = PurgerFixture.unique("meters");
    broker.createTopic(topic, 1);
    Purger p = purger(topic, PurgerFixture.unique("g"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new PurgerMetrics(p, "main").bindTo(registry);
    PurgerFixture.produce(broker, topic, List.of("{}", PurgerFixture.event("https://en.example.org/m", Instant.now())));

    await().atMost(PATIENCE).until(() -> p.stats().purged() == 1);
    assertThat(registry.get("eventrelayer.purger.records").tag("outcome", "polled").functionCounter().count())
        .isEqualTo(2);
    assertThat(registry.get("eventrelayer.purger.records").tag("outcome", "dead-lettered").functionCounter().count())
        .isEqualTo(1);
    // The backlog empties a moment after the purge is counted (its offset is committed then): wait for it.
    await().atMost(PATIENCE).until(() -> registry.get("eventrelayer.purger.backlog").gauge().value() == 0);
    assertThat(registry.get("eventrelayer.purger.lag").tag("quantile", "0.99").gauge().value()).isGreaterThanOrEqualTo(0);
  }
}
