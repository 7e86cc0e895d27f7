package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof: a host in a JVM of its own relays purges to a spooling service whose intake hangs, and is killed with
 * SIGKILL ({@link Process#destroyForcibly()}) while relaying; a second host on the same spool directory replays
 * what the first left (to the still-hung intake), relays more, and is killed too; then a relayer in this JVM, with
 * the intake up, replays the spool. No host ever waits for durability: every purge a host reported accepted arrived
 * at least once, and the only duplicates are purges the intake had received in a batch it never answered (in
 * flight at the kill).
 */
class SpoolCrashTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String PREFIX = "https://en.example.org/wiki/Page_";

  @TempDir Path spoolDir;
  @TempDir Path logs;

  private ChildJvm start(String service, int confirm, int first, String log) throws IOException {
    return ChildJvm.start(SpoolCrashHost.class, logs.resolve(log), spoolDir.toString(), service,
        Integer.toString(confirm), Integer.toString(first));
  }

  /** Lets the host relay until it has reported purge {@code accepted} accepted, then kills it mid-stride. */
  private void killAfter(ChildJvm host, long accepted, String log) throws Exception {
    try {
      await().atMost(PATIENCE).until(() -> host.lastNumber("ACCEPTED") >= accepted || !host.isAlive());
      assertThat(host.isAlive()).as("host died early; stderr: %s; stdout: %s",
          Files.readString(logs.resolve(log)), host.lines().subList(0, Math.min(5, host.lines().size()))).isTrue();
      assertThat(host.lines()).noneMatch(l -> l.startsWith("REFUSED"));
    } finally {
      host.kill(); // SIGKILL on Unix: no shutdown hook, no close, no final checkpoint
    }
  }

  private static Set<String> range(long fromIndex, long toIndexInclusive) {
    Set<String> out = new HashSet<>();
    for (long i = fromIndex; i <= toIndexInclusive; i++) {
      out.add(PREFIX + i);
    }
    return out;
  }

  @Test
  void everyAcceptedPurgeSurvivesKillDashNineAndArrivesAtLeastOnce() throws Exception {
    String service = "crash" + Groups.uniqueService();

    // Host 1: the intake confirms 3 batches, then hangs on the 4th; killed while relaying.
    ChildJvm one = start(service, 3, 0, "one.log");
    await().atMost(PATIENCE).until(() -> one.lastNumber("ACCEPTED") >= 0 || !one.isAlive());
    // While it runs, the spool directory is locked: a second relayer on it fails at build time, naming the key.
    assertThatThrownBy(() -> Groups.purgeGroup(service, Map.of(), Map.of("spoolDir", spoolDir.toString())))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("eventServices." + service + ".spoolDir"))
        .hasMessageContaining("in use by another relayer");
    killAfter(one, 20_000, "one.log");

    // Host 2: replays what host 1 left to the still-hung intake, relays more, and is killed as well.
    ChildJvm two = start(service, 0, 1_000_000, "two.log");
    killAfter(two, 1_000_000 + 20_000, "two.log");
    String started = two.lines().stream().filter(l -> l.startsWith("STARTED ")).findFirst().orElseThrow();
    assertThat(Long.parseLong(started.substring(8))).as("events host 2 replayed").isPositive();

    // Now the intake is up: a relayer in this JVM replays the spool.
    Map<String, Integer> received = new ConcurrentHashMap<>();
    ScriptedTransport.PRESETS.put(service, b -> {
      for (BatchEvent e : b.events()) {
        received.merge(uriOf(e), 1, Integer::sum);
      }
      return SendResult.delivered();
    });
    EventRelayerGroup replay = Groups.purgeGroup(service, Map.of(), Map.of("spoolDir", spoolDir.toString()));
    long corrupt;
    try {
      assertThat(replay.flush(PATIENCE)).isTrue();
      ServiceStats s = replay.serviceStats().get(service);
      assertThat(s.delivered()).isEqualTo(s.accepted()).isEqualTo(received.values().stream().mapToLong(n -> n).sum());
      corrupt = ScriptedServiceProvider.engine(service).spoolCorruptRegions();
      assertThat(corrupt).as("at most a torn tail per kill").isLessThanOrEqualTo(2);
    } finally {
      assertThat(replay.close(PATIENCE)).isTrue();
    }

    Set<String> arrived = new HashSet<>(received.keySet());
    for (ChildJvm h : List.of(one, two)) {
      arrived.addAll(h.values("DELIVERED"));
      arrived.addAll(h.values("INFLIGHT"));
    }
    // 1. Everything accepted arrived: the window of loss is empty.
    assertThat(one.lastNumber("ACCEPTED")).isGreaterThanOrEqualTo(20_000);
    assertThat(two.lastNumber("ACCEPTED")).isGreaterThanOrEqualTo(1_020_000);
    Set<String> accepted = range(0, one.lastNumber("ACCEPTED"));
    accepted.addAll(range(1_000_000, two.lastNumber("ACCEPTED")));
    Set<String> missing = new HashSet<>(accepted);
    missing.removeAll(arrived);
    System.out.printf("kill -9 proof: host 1 accepted up to %d, confirmed %d, in flight %d; host 2 replayed %s, "
            + "accepted up to %d; final replay delivered %d, corrupt stretches skipped %d; accepted but missing: %d%n",
        one.lastNumber("ACCEPTED"), one.values("DELIVERED").size(), one.values("INFLIGHT").size(),
        started.substring(8), two.lastNumber("ACCEPTED"), received.size(), corrupt, missing.size());
    assertThat(missing).isEmpty();
    // 3. Duplicates only from batches in flight at a kill (and at most the last confirmed one, see below).
    Set<String> confirmed = new HashSet<>(one.values("DELIVERED"));
    assertThat(confirmed).isNotEmpty().hasSizeLessThanOrEqualTo(3 * 50);
    assertThat(two.values("DELIVERED")).isEmpty();
    Set<String> inFlight = new HashSet<>(one.values("INFLIGHT"));
    inFlight.addAll(two.values("INFLIGHT"));
    assertThat(inFlight).hasSizeLessThanOrEqualTo(2 * 50);
    Set<String> sentTwice = new HashSet<>();
    for (ChildJvm h : List.of(one, two)) {
      for (String l : h.lines()) {
        if ((l.startsWith("DELIVERED ") || l.startsWith("INFLIGHT ")) && received.containsKey(l.substring(l.indexOf(' ') + 1))) {
          sentTwice.add(l.substring(l.indexOf(' ') + 1));
        }
      }
    }
    sentTwice.addAll(one.values("INFLIGHT").stream().filter(two.values("INFLIGHT")::contains).toList());
    // A confirmed batch is sent again only if the kill came between the intake's answer and the worker's checkpoint
    // of it: at most the last one confirmed (the burst of compact records can end within the first batch's send).
    Set<String> confirmedAgain = new HashSet<>(sentTwice);
    confirmedAgain.retainAll(confirmed);
    assertThat(confirmedAgain).hasSizeLessThanOrEqualTo(50);
    sentTwice.removeAll(confirmedAgain);
    assertThat(sentTwice).isSubsetOf(inFlight);
    assertThat(received.values()).allMatch(n -> n == 1);
    // 4. A clean close after a full delivery leaves no segment behind.
    try (Stream<Path> files = Files.walk(spoolDir)) {
      assertThat(files.filter(p -> p.toString().endsWith(".seg"))).isEmpty();
    }
  }

  @Test
  void everyPurgeAcceptedByEightNotifyingThreadsSurvivesAKillAtARandomPointMidBurst() throws Exception {
    String service = "crash8" + Groups.uniqueService();
    long killAt = java.util.concurrent.ThreadLocalRandom.current().nextLong(20_000, 40_000);
    ChildJvm host = ChildJvm.start(SpoolCrashHost.class, logs.resolve("eight.log"), spoolDir.toString(), service,
        "0", "0", "8");
    try {
      await().atMost(PATIENCE).until(() -> acked(host).values().stream().mapToLong(n -> n).sum() >= killAt
          || !host.isAlive());
      assertThat(host.isAlive()).as("host died early: %s", Files.readString(logs.resolve("eight.log"))).isTrue();
    } finally {
      host.kill();
    }
    assertThat(host.lines()).noneMatch(l -> l.startsWith("REFUSED"));
    Map<Integer, Long> acked = acked(host);

    Map<String, Integer> received = new ConcurrentHashMap<>();
    ScriptedTransport.PRESETS.put(service, b -> {
      for (BatchEvent e : b.events()) {
        received.merge(uriOf(e), 1, Integer::sum);
      }
      return SendResult.delivered();
    });
    EventRelayerGroup replay = Groups.purgeGroup(service, Map.of(), Map.of("spoolDir", spoolDir.toString()));
    try {
      assertThat(replay.flush(PATIENCE)).isTrue();
      ServiceStats s = replay.serviceStats().get(service);
      assertThat(s.dropped()).as(s.toString()).isZero();
      assertThat(s.delivered()).isEqualTo(s.accepted());
    } finally {
      assertThat(replay.close(PATIENCE)).isTrue();
    }
    Set<String> missing = new HashSet<>();
    for (Map.Entry<Integer, Long> e : acked.entrySet()) {
      missing.addAll(range(e.getKey() * 1_000_000L, e.getKey() * 1_000_000L + e.getValue() - 1));
    }
    long accepted = missing.size();
    missing.removeAll(received.keySet());
    System.out.printf("kill -9 proof, 8 threads: killed after %d accepted purges (target %d), replayed %d, missing "
        + "%d%n", accepted, killAt, received.size(), missing.size());
    assertThat(accepted).isGreaterThanOrEqualTo(killAt);
    assertThat(missing).isEmpty();
  }

  private static Map<Integer, Long> acked(ChildJvm host) {
    Map<Integer, Long> out = new HashMap<>();
    for (String line : host.lines()) {
      if (line.startsWith("ACK ")) {
        String[] f = line.split(" ");
        out.merge(Integer.parseInt(f[1]), Long.parseLong(f[2]), Math::max);
      }
    }
    return out;
  }

  private static String uriOf(BatchEvent e) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.json()).path("meta").path("uri").asText();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
