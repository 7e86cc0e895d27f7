package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.http.FlappingIntake.Kind;
import org.eventrelayer.http.FlappingIntake.Receipt;
import org.eventrelayer.testkit.ResourceChangeSchema;
import org.eventrelayer.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill -9 proof with the real HTTP transport: a host in a JVM of its own ({@link HttpSpoolCrashHost}) relays
 * purges through a {@code type: http} service with a spool while its intake is down (nothing listens on the port),
 * and is killed with SIGKILL ({@link Process#destroyForcibly()}) mid-stride. Then the intake comes up on that same
 * port and a second host (this JVM) starts on the same spool directory: every purge the first host reported accepted
 * arrives (the host never waits for durability: an accepted purge is in the spool already), nothing arrives twice (no batch had reached an intake before the kill, so no answer was lost),
 * and the spool is empty at the end.
 */
@Timeout(120)
class HttpSpoolCrashTest {

  private static final Duration PATIENCE = Duration.ofSeconds(40);
  private static final String SERVICE = "crashgate";
  static final long ACCEPTED_BEFORE_KILL = 20_000;

  @TempDir Path spoolDir;
  @TempDir Path logs;

  /** The service entry both hosts use: http to 127.0.0.1:{@code port}, spooled; small memory so the disk is used. */
  static Map<String, Object> config(String service, int port, Path spoolDir) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "http");
    s.put("url", "http://127.0.0.1:" + port + "/v1/events");
    s.put("timeout", "5s");
    s.put("spoolDir", spoolDir.toString());
    s.put("overflow", "spool");
    s.put("queueCapacity", 200);
    s.put("maxBatchEvents", 50);
    s.put("linger", "0ms");
    // Small segments, so that the burst rolls over a dozen of them; not smaller: the spool keeps at most 64 spares
    // ready, and with 64 KiB ones (25,000 purges ahead) a burst of compact records outran its thread on a busy machine.
    s.put("spool.segmentBytes", "256KiB");
    s.put("retry.initialBackoff", "20ms");
    s.put("retry.maxBackoff", "200ms");
    s.put("breaker.waitInOpenState", "100ms");
    s.put("breaker.maxWaitInOpenState", "500ms");
    return Map.of(
        "relayers", Map.of(
            HttpSpoolCrashHost.CHANNEL, Map.of("type", "cdn-purge", "stream", TestEvents.STREAM,
                "domain", "en.example.org", "tags", List.of("mediawiki")),
            "default", Map.of("type", "none")),
        "eventServices", Map.of(service, s));
  }

  /** {@code n} purge inputs from index {@code from}. */
  static List<Map<String, Object>> urls(int from, int n) {
    return IntStream.range(from, from + n)
        .mapToObj(i -> Map.<String, Object>of("url", HttpSpoolCrashHost.PREFIX + i))
        .collect(Collectors.toList());
  }

  private static Set<String> range(long fromIndex, long toIndexInclusive) {
    Set<String> out = new HashSet<>();
    for (long i = fromIndex; i <= toIndexInclusive; i++) {
      out.add(HttpSpoolCrashHost.PREFIX + i);
    }
    return out;
  }

  private ChildJvm startHost(int port) throws IOException {
    return ChildJvm.start(HttpSpoolCrashHost.class, logs.resolve("host.log"), spoolDir.toString(),
        Integer.toString(port), SERVICE);
  }

  /** A port on 127.0.0.1 where nothing listens: the intake is down (connections are refused). */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, TestEvents.loopback())) {
      return s.getLocalPort();
    }
  }

  private String hostLog() throws IOException {
    Path log = logs.resolve("host.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Test
  void everyAcceptedPurgeSurvivesKillDashNineAndArrivesOnceTheIntakeIsBackOnTheSamePort() throws Exception {
    long t0 = System.nanoTime();
    int port = closedPort();
    ChildJvm host = startHost(port);
    long killedAt;
    try {
      await().atMost(PATIENCE).until(() -> host.lastNumber("ACCEPTED") >= 0 || !host.isAlive());
      assertThat(host.isAlive()).as("host died early; stderr: %s; stdout: %s", hostLog(), host.lines())
          .isTrue();
      assertThat(host.lastNumber("STARTED")).as("a fresh spool replays nothing").isZero();
      // While the host runs, its spool directory is locked: a second relayer on it fails at build time.
      assertThatThrownBy(() -> EventRelayerGroup.fromMap(config(SERVICE, port, spoolDir)))
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("eventServices." + SERVICE + ".spoolDir"))
          .hasMessageContaining("in use by another relayer");

      // Killed once past the target and once its worker has met the outage (a burst of compact records can reach
      // the target before the first connection attempt has failed).
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5))
          .until(() -> host.lastNumber("ACCEPTED") >= ACCEPTED_BEFORE_KILL
              && host.lastLine("STATS").filter(l -> l.contains("lastError=ConnectException")).isPresent()
              || !host.isAlive());
      assertThat(host.isAlive()).as("host died early; stderr: %s; stdout tail: %s", hostLog(),
          host.lines().subList(Math.max(0, host.lines().size() - 5), host.lines().size())).isTrue();
      assertThat(host.lines()).noneMatch(l -> l.startsWith("REFUSED") || l.equals("IDLE"));
    } finally {
      host.kill(); // SIGKILL on Unix: no shutdown hook, no close, no final checkpoint
    }
    killedAt = System.nanoTime();
    assertThat(host.isAlive()).isFalse();
    // It was relaying into an outage, and its memory was full, so the spool held events on disk.
    assertThat(host.lastLine("STATS").orElse(null)).as("host stats").isNotNull().contains("delivered=0 ")
        .contains("lastError=ConnectException: cannot connect to 127.0.0.1:" + port);
    assertThat(host.lines()).anyMatch(l -> l.startsWith("STATS ") && !l.contains(" spooled=0 "));
    long reportedAccepted = host.lastNumber("ACCEPTED");

    // The intake comes up on the very port the host was failing to reach; a second host replays the spool.
    try (FlappingIntake intake = new FlappingIntake(0)) {
      intake.start(port);
      EventRelayerGroup replay = EventRelayerGroup.fromMap(config(SERVICE, port, spoolDir));
      ServiceStats first;
      ServiceStats settled;
      ServiceStats closed;
      try {
        first = replay.serviceStats().get(SERVICE);
        assertThat(replay.flush(PATIENCE)).as("replay delivered everything").isTrue();
        settled = replay.serviceStats().get(SERVICE);
      } finally {
        assertThat(replay.close(PATIENCE)).as("clean close").isTrue();
      }
      closed = replay.serviceStats().get(SERVICE);
      long replayedAt = System.nanoTime();

      // What the replaying host counted: everything it replayed was delivered, nothing else happened.
      assertThat(first.accepted()).as("events replayed from the spool")
          .isGreaterThanOrEqualTo(reportedAccepted + 1).isLessThanOrEqualTo(reportedAccepted + 1 + HttpSpoolCrashHost.PER_CALL);
      assertThat(settled.delivered()).isEqualTo(settled.accepted()).isEqualTo(first.accepted());
      assertThat(settled.deadLettered() + settled.dropped() + settled.queued() + settled.inFlight()
          + settled.spooled()).isZero();
      assertThat(closed.accountedFor()).isEqualTo(closed.accepted());
      assertThat(closed.spooled()).as("nothing left in the spool at close").isZero();

      // What the intake received.
      Map<String, List<Receipt>> ledger = intake.ledger();
      assertThat(intake.malformed()).isZero();
      Map<String, Integer> copies = new HashMap<>();
      Set<String> ids = new HashSet<>();
      ledger.forEach((uri, receipts) -> {
        copies.put(uri, receipts.size());
        for (Receipt r : receipts) {
          assertThat(r.kind()).isEqualTo(Kind.ACCEPTED);
          assertThat(ResourceChangeSchema.problems(r.json())).as(r.json()).isEmpty();
          assertThat(r.id()).isNotBlank();
          ids.add(r.id());
        }
      });
      Set<String> arrived = copies.keySet();
      // 1. Every purge reported accepted arrived.
      // (Set arithmetic: AssertJ's containsAll compares element by element, quadratic in the 20,000+ purges.)
      Set<String> missing = range(0, reportedAccepted);
      missing.removeAll(arrived);
      assertThat(missing).as("accepted, never arrived").isEmpty();
      // 2. Nothing arrived that the host never offered (at most the call in progress at the kill).
      Set<String> unexpected = new HashSet<>(arrived);
      unexpected.removeAll(range(0, reportedAccepted + HttpSpoolCrashHost.PER_CALL));
      assertThat(unexpected).as("arrived, never offered").isEmpty();
      // 3. Duplicates: none. No batch reached an intake before the kill (it was down), so no answer was lost; and
      //    the replaying host read every answer. Each purge arrived once, with one meta.id.
      assertThat(copies.values()).allMatch(n -> n == 1);
      assertThat(ids).hasSize(arrived.size());
      assertThat((long) arrived.size()).isEqualTo(settled.delivered());
      // 4. Nothing is left in the spool: every segment was fully delivered and deleted.
      try (Stream<Path> files = Files.walk(spoolDir)) {
        assertThat(files.filter(p -> p.toString().endsWith(".seg"))).as("segments left").isEmpty();
      }

      System.out.printf("HttpSpoolCrashTest: host accepted up to #%d when killed (%d ms after start); the replay "
              + "delivered %d, in %d ms; total %d ms%n",
          reportedAccepted, TimeUnit.NANOSECONDS.toMillis(killedAt - t0), settled.delivered(),
          TimeUnit.NANOSECONDS.toMillis(replayedAt - killedAt),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
  }
}
