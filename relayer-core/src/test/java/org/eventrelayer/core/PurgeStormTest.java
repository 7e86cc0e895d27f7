package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Coalescing of equal queued purges, the per-service rate limit, and signing, through the engine. */
class PurgeStormTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private final List<EventRelayerGroup> groups = new ArrayList<>();
  private final String service = Groups.uniqueService();

  @AfterEach
  void close() {
    groups.forEach(g -> g.close(Duration.ofSeconds(2)));
  }

  private EventRelayerGroup group(Map<String, Object> engine) {
    EventRelayerGroup g = Groups.purgeGroup(service, Map.of(), engine);
    groups.add(g);
    return g;
  }

  @Test
  void aPurgeOfAUrlStillQueuedJoinsItAndSharesItsOutcome() {
    EventRelayerGroup g = group(Map.of());
    ScriptedTransport t = ScriptedTransport.of(service);
    CountDownLatch stuck = new CountDownLatch(1);
    t.hang = stuck;
    EventRelayer r = g.getRelayer("cdn-url-purges");
    r.notify("cdn-url-purges", Map.of("url", "https://en.example.org/wiki/Blocker"));
    await().atMost(PATIENCE).until(() -> t.sends.get() == 1); // the worker is stuck: what follows stays queued
    List<RelayResult> results = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      results.add(r.notifyMulti("cdn-url-purges", Groups.urls(0, 100)));
    }
    ServiceStats s = g.serviceStats().get(service);
    assertThat(results).allSatisfy(x -> assertThat(x.accepted()).isEqualTo(100));
    assertThat(s.coalesced()).isEqualTo(400);
    assertThat(s.queued()).isEqualTo(100);
    assertThat(s.accepted()).isEqualTo(501).isEqualTo(s.accountedFor());

    t.hang = null;
    stuck.countDown(); // release the stuck send (it fails and is retried)
    assertThat(g.flush(PATIENCE)).isTrue();
    for (RelayResult x : results) {
      DeliveryReport report = x.awaitDelivery(PATIENCE).orElseThrow();
      assertThat(report.delivered()).isEqualTo(100);
    }
    assertThat(t.events().stream().filter(e -> e.contains("Page_7\"")).count()).isEqualTo(1);
    s = g.serviceStats().get(service);
    assertThat(s.delivered()).isEqualTo(101);
    assertThat(s.coalesced()).isEqualTo(400);
    assertThat(s.accepted()).isEqualTo(s.accountedFor());
  }

  @Test
  void aPurgeAlreadyTakenForSendingIsNotJoined() {
    EventRelayerGroup g = group(Map.of("linger", "0ms"));
    EventRelayer r = g.getRelayer("cdn-url-purges");
    r.notify("cdn-url-purges", Map.of("url", "https://en.example.org/wiki/X"));
    assertThat(g.flush(PATIENCE)).isTrue();
    r.notify("cdn-url-purges", Map.of("url", "https://en.example.org/wiki/X"));
    assertThat(g.flush(PATIENCE)).isTrue();
    ServiceStats s = g.serviceStats().get(service);
    assertThat(s.coalesced()).isZero();
    assertThat(s.delivered()).isEqualTo(2);
  }

  @Test
  void coalescingCanBeSwitchedOff() {
    EventRelayerGroup g = group(Map.of("coalesce", false));
    ScriptedTransport t = ScriptedTransport.of(service);
    t.hang = new CountDownLatch(1);
    EventRelayer r = g.getRelayer("cdn-url-purges");
    r.notify("cdn-url-purges", Map.of("url", "https://en.example.org/wiki/Blocker"));
    await().atMost(PATIENCE).until(() -> t.sends.get() == 1);
    r.notifyMulti("cdn-url-purges", Groups.urls(0, 10));
    r.notifyMulti("cdn-url-purges", Groups.urls(0, 10));
    assertThat(g.serviceStats().get(service).queued()).isEqualTo(20);
    assertThat(g.serviceStats().get(service).coalesced()).isZero();
  }

  @Test
  void theRateLimitSpacesBatchesOut() {
    EventRelayerGroup g = group(Map.of("rateLimit", 50, "maxBatchEvents", 10, "linger", "0ms"));
    g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", Groups.urls(0, 40));
    // 40 events at 50/s: the first batch goes at once, the rest are held back for the better part of a second.
    await().atMost(PATIENCE).until(() -> ScriptedTransport.of(service).sends.get() >= 1);
    assertThat(g.flush(Duration.ofMillis(200))).isFalse();
    assertThat(g.flush(PATIENCE)).isTrue();
    assertThat(ScriptedTransport.of(service).batches).allSatisfy(b -> assertThat(b.size()).isLessThanOrEqualTo(10));
    assertThat(g.serviceStats().get(service).delivered()).isEqualTo(40);
  }

  @Test
  void signedEventsCarryAVerifiableSignature() {
    EventRelayerGroup g = group(Map.of("signing.secret", "s3cret", "signing.algorithm", "HmacSHA1",
        "signing.field", "mediawiki_signature"));
    g.getRelayer("cdn-url-purges").notifyMulti("cdn-url-purges", Groups.urls(0, 3));
    assertThat(g.flush(PATIENCE)).isTrue();
    EventSignatures verifier = EventSignatures.of("s3cret", "HmacSHA1", "mediawiki_signature");
    assertThat(ScriptedTransport.of(service).events()).hasSize(3).allSatisfy(json -> {
      assertThat(json).contains("\"mediawiki_signature\":\"");
      assertThat(verifier.verify(json)).isTrue();
      assertThat(EventSignatures.of("wrong", "HmacSHA1", "mediawiki_signature").verify(json)).isFalse();
    });
  }
}
