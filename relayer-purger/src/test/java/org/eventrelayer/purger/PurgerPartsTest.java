package org.eventrelayer.purger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.eventrelayer.ConfigException;
import org.junit.jupiter.api.Test;

/** The purger's parts on their own: the offset ledger, the lag histogram, coalescing, and config checks. */
class PurgerPartsTest {

  @Test
  void theLedgerCommitsOnlyBelowTheFirstOpenRecord() {
    OffsetLedger l = new OffsetLedger(new TopicPartition("t", 0));
    assertThat(l.committable()).isEqualTo(-1);
    for (long o = 10; o < 15; o++) {
      l.opened(o);
    }
    l.closed(11);
    l.closed(12);
    assertThat(l.committable()).isEqualTo(10); // 10 is still open: a restart starts there
    l.closed(10);
    assertThat(l.committable()).isEqualTo(13);
    l.committedAt(13);
    assertThat(l.committable()).isEqualTo(-1); // nothing new
    l.closed(13);
    l.closed(14);
    assertThat(l.committable()).isEqualTo(15);
    assertThat(l.openCount()).isZero();
  }

  @Test
  void lagPercentilesAreExactToTheirBucket() {
    LagRecorder r = new LagRecorder();
    assertThat(r.quantile(0.99)).isNull();
    for (int i = 1; i <= 100; i++) {
      r.record(i * 10L); // 10 ms .. 1000 ms
    }
    assertThat(r.quantile(0.5)).isEqualTo(Duration.ofMillis(500));
    assertThat(r.quantile(0.99)).isEqualTo(Duration.ofMillis(990));
    r.record(7_777);
    r.record(500_000);
    assertThat(LagRecorder.lowerBound(LagRecorder.bucket(7_777))).isEqualTo(7_770);
    assertThat(r.quantile(1.0)).isEqualTo(Duration.ofMillis(119_900));
  }

  @Test
  void equalUrlsJoinTheWaitingPurgeUntilItIsDue() {
    PendingPurges p = new PendingPurges(Duration.ofMillis(100).toNanos());
    OffsetLedger l = new OffsetLedger(new TopicPartition("t", 0));
    PurgeRecords.Request a = new PurgeRecords.Request("https://x/a", 1, null);
    PurgeRecords.Request b = new PurgeRecords.Request("https://x/b", 1, null);
    assertThat(p.add(a, new Purge.RecordRef(l, 0), 0)).isFalse();
    assertThat(p.add(b, new Purge.RecordRef(l, 1), 50_000_000)).isFalse();
    assertThat(p.add(a, new Purge.RecordRef(l, 2), 60_000_000)).isTrue();
    assertThat(p.due(99_000_000, false)).isEmpty();
    assertThat(p.nanosToNextDue(99_000_000)).isEqualTo(1_000_000);
    var due = p.due(100_000_000, false);
    assertThat(due).singleElement().satisfies(x -> {
      assertThat(x.url).isEqualTo("https://x/a");
      assertThat(x.records()).hasSize(2);
    });
    // Once sent, an equal URL starts a new purge: the page may have been cached again since.
    assertThat(p.add(a, new Purge.RecordRef(l, 3), 110_000_000)).isFalse();
    assertThat(p.due(0, true)).extracting(x -> x.url).containsExactly("https://x/b", "https://x/a");
  }

  private static Map<String, Object> valid() {
    return Map.of("topics", "purges", "kafka", Map.of("bootstrap.servers", "127.0.0.1:9"),
        "stages", "caches", "eventServices", Map.of("caches", Map.of("type", "varnish", "hosts", "127.0.0.1:1")));
  }

  private static Map<String, Object> with(String key, Object value) {
    Map<String, Object> m = new java.util.LinkedHashMap<>(valid());
    m.put(key, value);
    return m;
  }

  @Test
  void configMistakesNameTheKey() {
    assertThatThrownBy(() -> PurgerSettings.fromMap(with("topics", ""))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("topics");
    assertThatThrownBy(() -> PurgerSettings.fromMap(with("stages", "caches,frontends")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("stages").hasMessageContaining("frontends");
    assertThatThrownBy(() -> PurgerSettings.fromMap(with("maxAge", "-1s"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("maxAge");
    assertThatThrownBy(() -> PurgerSettings.fromMap(with("maxage", "1h"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("maxage");
    assertThatThrownBy(() -> PurgerSettings.fromMap(with("kafka",
        Map.of("bootstrap.servers", "127.0.0.1:9", "enable.auto.commit", "true"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("enable.auto.commit");
    assertThatThrownBy(() -> PurgerSettings.fromMap(with("kafka", Map.of("group.id", "g"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.servers");
    assertThatThrownBy(() -> PurgerSettings.fromMap(with("kafka",
        Map.of("bootstrap.servers", "127.0.0.1:9", "max.poll.records", "many"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("max.poll.records");
  }

  @Test
  void aStagesServiceIsCheckedByTheGroupWhenThePurgerIsBuilt() {
    Map<String, Object> bad = with("eventServices", Map.of("caches", Map.of("type", "varnish")));
    assertThatThrownBy(() -> Purger.fromMap(bad)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("eventServices.caches.hosts");
  }

  @Test
  void defaultsAreWikimediaLike() {
    PurgerSettings s = PurgerSettings.fromMap(valid());
    assertThat(s.stageDelay).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.consumer).containsEntry("enable.auto.commit", "false").containsEntry("auto.offset.reset", "earliest")
        .containsEntry("group.id", "eventrelayer-purger");
  }
}
