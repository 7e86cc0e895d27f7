package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.noop.NullEventRelayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Building groups from both config forms, KBase's listener syntax, fallback, caching, and every config error. */
class GroupConfigTest {

  private final List<EventRelayerGroup> groups = new ArrayList<>();

  @AfterEach
  void close() {
    groups.forEach(g -> g.close(Duration.ofSeconds(2)));
  }

  private EventRelayerGroup keep(EventRelayerGroup g) {
    groups.add(g);
    return g;
  }

  private static Properties props(String text) throws Exception {
    Properties p = new Properties();
    p.load(new StringReader(text));
    return p;
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void mapAndPropertiesFormsBuildTheSameRelayers() throws Exception {
    String svc = Groups.uniqueService();
    EventRelayerGroup fromMap = keep(EventRelayerGroup.fromMap(map(
        "relayers", map(
            "cdn-url-purges", map("type", "cdn-purge", "stream", "resource-purge", "domain", "en.example.org",
                "tags", List.of("mediawiki", "purge")),
            "workspace-events", map("type", "stream", "stream", "workspace-events"),
            "default", map("type", "null")),
        "eventServices", map(svc, map("type", "scripted", "linger", "5ms", "retry", map("maxAttempts", 7))),
        "streams", map("workspace-events", map("service", svc)))));
    String svc2 = Groups.uniqueService();
    EventRelayerGroup fromProps = keep(EventRelayerGroup.fromProperties(props("""
        relayers.cdn-url-purges.type=cdn-purge
        relayers.cdn-url-purges.stream=resource-purge
        relayers.cdn-url-purges.domain=en.example.org
        relayers.cdn-url-purges.tags=mediawiki,purge
        relayers.workspace-events.type=stream
        relayers.workspace-events.stream=workspace-events
        relayers.default.type=null
        eventServices.%s.type=scripted
        eventServices.%s.linger=5ms
        eventServices.%s.retry.maxAttempts=7
        streams.workspace-events.service=%s
        some.other.host.setting=ignored
        """.formatted(svc2, svc2, svc2, svc2))));
    for (EventRelayerGroup g : List.of(fromMap, fromProps)) {
      assertThat(g.relayerNames()).containsExactlyInAnyOrder("cdn-url-purges", "workspace-events", "default");
      assertThat(g.relayerStats().get("cdn-url-purges").type()).isEqualTo("cdn-purge");
      assertThat(g.relayerStats().get("workspace-events").type()).isEqualTo("stream");
      assertThat(g.getRelayer("default")).isInstanceOf(NullEventRelayer.class);
      RelayResult r = g.getRelayer("workspace-events")
          .notify("workspace-events", map("wsid", 1, "evtype", "NEW_VERSION"));
      assertThat(r.awaitDelivery(Duration.ofSeconds(10)).orElseThrow().delivered()).isEqualTo(1);
    }
    assertThat(ScriptedTransport.of(svc).events()).containsExactly("{\"wsid\":1,\"evtype\":\"NEW_VERSION\"}");
    assertThat(ScriptedTransport.of(svc2).events()).containsExactly("{\"wsid\":1,\"evtype\":\"NEW_VERSION\"}");
  }

  @Test
  void unconfiguredChannelsShareTheCachedDefaultInstance() {
    String svc = Groups.uniqueService();
    EventRelayerGroup g = keep(Groups.purgeGroup(svc, Map.of(), Map.of()));
    EventRelayer purge = g.getRelayer("cdn-url-purges");
    assertThat(g.getRelayer("cdn-url-purges")).isSameAs(purge);
    EventRelayer a = g.getRelayer("page-edits");
    assertThat(a).isSameAs(g.getRelayer("anything-else")).isSameAs(g.getRelayer("default"));
    assertThat(a).isInstanceOf(NullEventRelayer.class);
    RelayResult r = a.notify("page-edits", Map.of("x", 1));
    assertThat(r.accepted()).isEqualTo(1);
    assertThat(r.delivery().join().dropped()).isEqualTo(1);
    assertThat(((NullEventRelayer) a).discarded()).isEqualTo(1);
  }

  @Test
  void withoutADefaultEntryUnconfiguredChannelsGetTheNullRelayer() {
    String svc = Groups.uniqueService();
    EventRelayerGroup g = keep(EventRelayerGroup.fromMap(map(
        "relayers", map("cdn-url-purges", map("type", "cdn-purge", "stream", "resource-purge")),
        "eventServices", map(svc, map("type", "scripted")))));
    assertThat(g.getRelayer("whatever")).isInstanceOf(NullEventRelayer.class);
    assertThat(g.getRelayer("whatever").notify("whatever", Map.of()).accepted()).isEqualTo(1);
  }

  @Test
  void yamlNullNoneAndMediaWikiClassNamesAllMeanTheNullRelayer() {
    for (Map<String, Object> entry : List.of(map("type", "none"), map("type", null),
        map("class", "EventRelayerNull"), map("class", NullEventRelayer.class.getName().replace("NullEventRelayer",
            "NullRelayerProvider")))) {
      EventRelayerGroup g = keep(EventRelayerGroup.fromMap(map("relayers", map("default", entry))));
      assertThat(g.getRelayer("x")).as(entry.toString()).isInstanceOf(NullEventRelayer.class);
    }
  }

  @Test
  void kbaseListenersFanEveryEventOutToEachListedListener() throws Exception {
    String a = "A" + Groups.uniqueService();
    String b = "B" + Groups.uniqueService();
    EventRelayerGroup g = keep(EventRelayerGroup.fromProperties(props("""
        listeners=%s, %s, nulllistener
        listener-%s-class=scripted
        listener-%s-config-label=first
        listener-%s-class=org.eventrelayer.core.ScriptedServiceProvider
        listener-nulllistener-class=us.kbase.workspace.test.listener.EventRelayerNull
        listener-off-class=scripted
        listeners.channel=workspace
        """.formatted(a, b, a, a, b))));
    EventRelayer r = g.getRelayer("workspace");
    RelayResult res = r.notifyMulti("workspace", List.of(
        Map.of("user", "alice", "wsid", 7, "objid", 3, "ver", 1, "time", 1_795_000_000_000L,
            "evtype", "NEW_VERSION", "objtype", "KBaseGenomes.Genome-1.0")));
    assertThat(res.accepted()).isEqualTo(1);
    assertThat(res.awaitDelivery(Duration.ofSeconds(10)).orElseThrow().delivered()).isEqualTo(2);
    assertThat(ScriptedTransport.of("listener-" + a).events()).singleElement().asString().contains("\"wsid\":7");
    assertThat(ScriptedTransport.of("listener-" + b).events()).singleElement().asString().contains("\"wsid\":7");
    assertThat(ScriptedTransport.INSTANCES).doesNotContainKey("listener-off");
    assertThat(g.serviceStats()).containsOnlyKeys("listener-" + a, "listener-" + b);
  }

  private static void fails(Map<String, Object> config, String key, String... messageParts) {
    assertThatThrownBy(() -> EventRelayerGroup.fromMap(config).close())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
        .message().contains(messageParts);
  }

  @Test
  void everyMistakeFailsAtBuildTimeNamingTheKey() {
    fails(map("relayers", map("x", map("type", "cdn-purj", "stream", "s"))), "relayers.x.type",
        "unknown relayer type 'cdn-purj'", "cdn-purge");
    fails(map("eventServices", map("eg", map("type", "http", "url", "http://127.0.0.1:1/"))),
        "eventServices.eg.type", "org.eventrelayer:relayer-http");
    fails(map("relayers", map("cdn-url-purges", map("type", "cdn-purge")), "eventServices",
        map("s", map("type", "scripted"))), "relayers.cdn-url-purges.stream", "is required");
    fails(map("relayers", map("cdn-url-purges", map("type", "cdn-purge", "stream", "resource-purge"))),
        "relayers.cdn-url-purges.stream", "no event service", "configure eventServices");
    fails(map("relayers", map("default", map("type", "cdn-purge", "stream", "p")), "eventServices",
        map("s", map("type", "scripted"))), "relayers.default.type", "cannot be the default relayer");
    fails(map("eventServices", map("s", map("type", "scripted", "linger", "soon"))), "eventServices.s.linger",
        "is not a duration", "'soon'");
    fails(map("eventServices", map("s", map("type", "scripted", "timout", "10s"))), "eventServices.s.timout",
        "unknown key");
    fails(map("eventServices", map("s", map("type", "scripted")), "streams", map("workspace-events",
        map("service", "kafka-main"))), "streams.workspace-events.service", "no event service named 'kafka-main'",
        "configured: s");
    fails(map("eventServices", map("a", map("type", "scripted"), "b", map("type", "scripted")),
            "relayers", map("w", map("type", "stream", "stream", "w"))),
        "relayers.w.stream", "several eventServices");
    fails(map("eventServiceDefault", "nope", "eventServices", map("a", map("type", "scripted"))),
        "eventServiceDefault", "no event service named 'nope'");
    fails(map("relayers", map("cdn-url-purges", map("type", "cdn-purge", "stream", "p", "tags", List.of("a", "a"))),
        "eventServices", map("s", map("type", "scripted"))), "relayers.cdn-url-purges.tags", "unique");
    fails(map("relayer", map()), "relayer", "unknown key");
    fails(map("eventServices", map("s", map("type", "scripted", "deadLetterHandler", "com.example.Nope"))),
        "eventServices.s.deadLetterHandler", "cannot instantiate");
    fails(map("eventServices", map("s", map("type", "scripted", "breaker.minimumNumberOfCalls", 20))),
        "eventServices.s.breaker.minimumNumberOfCalls", "must not exceed");
    fails(map("eventServices", map("s", map("type", "scripted", "maxBatchBytes", "4 parsecs"))),
        "eventServices.s.maxBatchBytes", "is not a size");
    fails(map("listeners", "K"), "listener-K-class", "is required");
  }

  @Test
  void aFailedBuildLeavesNoThreadRunning() {
    String svc = Groups.uniqueService();
    fails(map("eventServices", map(svc, map("type", "scripted")), "relayers",
        map("x", map("type", "stream"))), "relayers.x.stream", "is required");
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.isAlive() && t.getName().startsWith("eventrelayer-" + svc + "-"));
  }

  @Test
  void durationsAndSizesAcceptEveryDocumentedForm() {
    Map<String, Duration> durations = Map.of("250ms", Duration.ofMillis(250), "10s", Duration.ofSeconds(10),
        "PT10S", Duration.ofSeconds(10), "1500", Duration.ofMillis(1500), "2m", Duration.ofMinutes(2),
        "0.5s", Duration.ofMillis(500));
    durations.forEach((text, expected) -> {
      keep(EventRelayerGroup.fromMap(map("closeTimeout", text))); // accepted by the group
      assertThat(org.eventrelayer.spi.Config.of("x", Map.of("d", text)).getDuration("d", Duration.ZERO))
          .as(text).isEqualTo(expected);
    });
    for (String size : List.of("4194304", "4MiB", "512KiB", "4mb")) {
      String svc = Groups.uniqueService();
      keep(EventRelayerGroup.fromMap(map("eventServices", map(svc, map("type", "scripted", "maxBatchBytes", size)))));
    }
  }
}
