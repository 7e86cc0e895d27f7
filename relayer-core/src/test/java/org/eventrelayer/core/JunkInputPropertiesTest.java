package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;

/**
 * Generated junk thrown at {@code notifyMulti} and at the config parser: every input is accepted or refused with a
 * reason, nothing throws out of the API but the documented exceptions, and nothing accepted fails on a worker.
 */
class JunkInputPropertiesTest {

  private static EventRelayerGroup group;
  private static String service;

  @BeforeContainer
  static void start() {
    service = Groups.uniqueService();
    group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(
            "cdn-url-purges", Map.of("type", "cdn-purge", "stream", "resource-purge"),
            "workspace-events", Map.of("type", "stream", "stream", "workspace-events"),
            "default", Map.of("type", "null")),
        "eventServices", Map.of(service, Map.of("type", "scripted", "queueCapacity", 1_000_000,
            "queueBytes", "1GiB", "maxBatchBytes", "64KiB"))));
  }

  @AfterContainer
  static void stop() {
    group.close(Duration.ofSeconds(5));
  }

  @Provide
  Arbitrary<List<Object>> junkLists() {
    return junk().list().ofMaxSize(20);
  }

  private static Arbitrary<Object> junk() {
    Arbitrary<String> strings = Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.strings().withCharRange('\ud800', '\udfff').ofMaxLength(3),
        Arbitraries.of("https://en.example.org/wiki/A", "http://x.org", "/relative", "ftp://x", "", " ",
            "https://h/%zz", "https://h/" + "p".repeat(9000), "https://h/ok?a=1#f"));
    Arbitrary<Object> scalars = Arbitraries.oneOf(strings.map(s -> (Object) s),
        Arbitraries.integers().map(i -> (Object) i), Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.doubles().map(d -> (Object) d), Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY),
        Arbitraries.of(true, false), Arbitraries.just(null), Arbitraries.just(new Object()),
        Arbitraries.just(new int[] {1, 2}));
    Arbitrary<Object> maps = Arbitraries.maps(
            Arbitraries.oneOf(Arbitraries.of("url", "timestamp", "request_id", "wsid", "meta"), strings),
            scalars)
        .ofMaxSize(5).map(m -> (Object) new LinkedHashMap<>(m));
    return Arbitraries.oneOf(maps, maps, maps, scalars);
  }

  @Property(tries = 300)
  @SuppressWarnings("unchecked")
  void everyInputIsAcceptedOrRefusedWithAReason(
      @ForAll("junkLists") List<Object> events, @ForAll boolean purge) {
    String channel = purge ? "cdn-url-purges" : "workspace-events";
    RelayResult r = group.getRelayer(channel).notifyMulti(channel, (List<Map<String, ?>>) (List<?>) events);
    Set<Integer> refusedIndexes = new HashSet<>();
    for (Refusal refusal : r.refused()) {
      assertThat(refusal.index()).isBetween(0, events.size() - 1);
      assertThat(refusal.detail()).isNotBlank();
      assertThat(refusedIndexes.add(refusal.index())).isTrue();
    }
    assertThat(r.accepted() + r.refused().size()).isEqualTo(events.size());
  }

  @Property(tries = 1)
  void nothingAcceptedEverFailsOnAWorker() {
    assertThat(group.flush(Duration.ofSeconds(30))).isTrue();
    ServiceStats s = group.serviceStats().get(service);
    assertThat(s.deadLettered()).isZero();
    assertThat(s.dropped()).isZero();
    // A purge of a URL still waiting joins it (coalesced) and shares its delivery; everything else is delivered.
    assertThat(s.accepted()).isEqualTo(s.delivered() + s.coalesced());
  }

  @Provide
  Arbitrary<Map<String, Object>> configs() {
    Arbitrary<String> sections = Arbitraries.of("relayers", "eventServices", "streams", "eventServiceDefault",
        "listeners", "closeTimeout", "listener-x-class", "listener-x-config-topic", "bogus");
    Arbitrary<String> names = Arbitraries.of("default", "cdn-url-purges", "s", "a.b", "", "x y");
    Arbitrary<Object> values = Arbitraries.oneOf(
        Arbitraries.of("cdn-purge", "stream", "null", "none", "scripted", "http", "10s", "-1", "x", "", "s")
            .map(v -> (Object) v),
        Arbitraries.integers().map(i -> (Object) i), Arbitraries.just(null),
        Arbitraries.of(List.of("a", "a"), List.of()).map(v -> (Object) v));
    Arbitrary<Map<String, Object>> entry = Arbitraries.maps(
        Arbitraries.of("type", "class", "stream", "service", "linger", "queueCapacity", "tags", "domain", "topic",
            "retry.maxAttempts", "breaker.waitInOpenState", "maxBatchBytes"), values).ofMaxSize(4);
    return Arbitraries.maps(sections,
        Arbitraries.oneOf(values, Arbitraries.maps(names, entry.map(e -> (Object) e)).ofMaxSize(3)
            .map(m -> (Object) m))).ofMaxSize(4);
  }

  @Property(tries = 300)
  void theConfigParserOnlyEverThrowsConfigException(@ForAll("configs") Map<String, Object> config) {
    List<Thread> before = new ArrayList<>(Thread.getAllStackTraces().keySet());
    try {
      EventRelayerGroup g = EventRelayerGroup.fromMap(config);
      g.close(Duration.ofSeconds(1));
    } catch (ConfigException e) {
      assertThat(e.key()).isNotBlank();
      assertThat(e.getMessage()).startsWith(e.key());
    }
    assertThat(Thread.getAllStackTraces().keySet()).allMatch(
        t -> before.contains(t) || !t.isAlive() || !t.getName().startsWith("eventrelayer-"));
  }
}
