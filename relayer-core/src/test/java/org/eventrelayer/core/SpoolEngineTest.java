package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.eventrelayer.ConfigException;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine with {@code overflow: spool}, driven through the scripted transport: outages of any length spool
 * instead of refusing, close keeps what is not final on disk and a new group on the same directory delivers it,
 * corrupt data is skipped and counted, the spool is bounded, and the accounting stays exact throughout.
 */
class SpoolEngineTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHANNEL = "cdn-url-purges";

  @TempDir Path spoolDir;
  private final List<EventRelayerGroup> groups = new ArrayList<>();
  private final String service = Groups.uniqueService();

  @AfterEach
  void closeAll() {
    groups.forEach(g -> g.close(Duration.ofSeconds(2)));
  }

  /** Engine settings that spool into the test's directory, with a small memory queue so that events spill. */
  private Map<String, Object> spooled(Object... more) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("spoolDir", spoolDir.toString());
    m.put("queueCapacity", 50);
    m.put("linger", "0ms");
    m.put("maxBatchEvents", 20);
    m.put("retry.initialBackoff", "1ms");
    m.put("retry.maxBackoff", "5ms");
    m.put("breaker.waitInOpenState", "5ms");
    m.put("breaker.maxWaitInOpenState", "20ms");
    for (int i = 0; i < more.length; i += 2) {
      m.put((String) more[i], more[i + 1]);
    }
    return m;
  }

  private EventRelayerGroup group(Map<String, Object> engine) {
    EventRelayerGroup g = Groups.purgeGroup(service, Map.of(), engine);
    groups.add(g);
    return g;
  }

  /** A group whose transport answers with {@code script} from the start (a replay begins at once). */
  private EventRelayerGroup group(Map<String, Object> engine, java.util.function.Function<Batch, SendResult> script) {
    ScriptedTransport.PRESETS.put(service, script);
    return group(engine);
  }

  private ScriptedTransport transport() {
    return ScriptedTransport.of(service);
  }

  private DeliveryEngine engine() {
    return ScriptedServiceProvider.engine(service);
  }

  private ServiceStats stats(EventRelayerGroup g) {
    return g.serviceStats().get(service);
  }

  private static String uri(String json) {
    try {
      return JSON.readTree(json).path("meta").path("uri").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A transport script that is down until {@code up} is set, and records what it confirmed, with counts. */
  private static final class Intake {
    final AtomicBoolean up = new AtomicBoolean();
    final Map<String, Integer> received = new ConcurrentHashMap<>();

    SendResult answer(Batch b) {
      if (!up.get()) {
        throw new IllegalStateException("connection refused");
      }
      for (BatchEvent e : b.events()) {
        received.merge(uri(e.jsonString()), 1, Integer::sum);
      }
      return SendResult.delivered();
    }
  }

  private List<Path> segments() {
    try (Stream<Path> files = Files.walk(spoolDir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> uris(int from, int n) {
    Set<String> out = new java.util.HashSet<>();
    for (Map<String, Object> m : Groups.urls(from, n)) {
      out.add((String) m.get("url"));
    }
    return out;
  }

  @Test
  void duringALongOutageEventsAreSpooledInsteadOfRefusedAndAllArriveOnceItEnds() {
    Intake intake = new Intake();
    EventRelayerGroup g = group(spooled(), intake::answer);
    EventRelayer r = g.getRelayer(CHANNEL);
    for (int i = 0; i < 25; i++) {
      RelayResult res = r.notifyMulti(CHANNEL, Groups.urls(i * 20, 20));
      assertThat(res.refused()).isEmpty(); // the memory queue holds 50: without the spool 450 would be refused
      assertThat(engine().awaitDurable(PATIENCE)).isTrue(); // a host relaying no faster than the disk writes
    }
    await().atMost(PATIENCE).until(() -> stats(g).spooled() > 0);
    ServiceStats down = stats(g);
    assertThat(down.accepted()).isEqualTo(500);
    assertThat(down.refused()).isZero();
    assertThat(down.delivered()).isZero();
    assertThat(down.accountedFor()).as(down.toString()).isEqualTo(500);
    assertThat(down.queued() + down.inFlight()).isLessThanOrEqualTo(50 + 20);

    intake.up.set(true);
    assertThat(g.flush(PATIENCE)).isTrue();
    ServiceStats s = stats(g);
    assertThat(s.delivered()).isEqualTo(500);
    assertThat(s.spooled() + s.queued() + s.inFlight() + s.dropped() + s.deadLettered()).isZero();
    assertThat(intake.received.keySet()).isEqualTo(uris(0, 500));
    assertThat(intake.received.values()).allMatch(n -> n == 1);
  }

  @Test
  void closeKeepsWhatIsNotFinalOnDiskAndTheNextGroupOnTheDirectoryDeliversIt() {
    Intake down = new Intake();
    EventRelayerGroup first = group(spooled(), down::answer);
    EventRelayer r = first.getRelayer(CHANNEL);
    List<RelayResult> results = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      results.add(r.notifyMulti(CHANNEL, Groups.urls(i * 20, 20))); // durable on return: no awaitDurable
    }
    assertThat(results).allMatch(RelayResult::allAccepted);

    assertThat(first.close(Duration.ofSeconds(5))).isFalse(); // not everything is final...
    ServiceStats closed = stats(first);
    assertThat(closed.dropped()).isZero(); // ...but nothing was dropped
    assertThat(closed.spooled()).isEqualTo(300);
    assertThat(closed.accountedFor()).isEqualTo(closed.accepted()).isEqualTo(300);
    for (RelayResult res : results) { // every future completes, saying where its events are
      DeliveryReport report = res.awaitDelivery(PATIENCE).orElseThrow();
      assertThat(report.delivered()).isZero();
      assertThat(report.spooled()).isEqualTo(20);
      assertThat(report.dropped()).isZero();
      assertThat(report.firstFailure()).isEqualTo(DeliveryEngine.LEFT_IN_SPOOL);
    }
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
        t -> t.isAlive() && t.getName().startsWith("eventrelayer-" + service + "-"));

    Intake up = new Intake();
    up.up.set(true);
    EventRelayerGroup second = group(spooled(), up::answer);
    assertThat(stats(second).accepted()).isEqualTo(300); // the replay counts as accepted...
    assertThat(second.flush(PATIENCE)).isTrue();
    ServiceStats s = stats(second);
    assertThat(s.delivered()).isEqualTo(300); // ...and delivered
    assertThat(s.accountedFor()).isEqualTo(s.accepted());
    assertThat(up.received.keySet()).isEqualTo(uris(0, 300));
    assertThat(up.received.values()).allMatch(n -> n == 1);

    // New events after the replay go through too, and a clean close leaves no segment behind.
    assertThat(second.getRelayer(CHANNEL).notifyMulti(CHANNEL, Groups.urls(1000, 5)).accepted()).isEqualTo(5);
    assertThat(second.close(PATIENCE)).isTrue();
    assertThat(up.received).hasSize(305);
    assertThat(segments()).isEmpty();
  }

  @Test
  void equalPurgesWaitingInTheSpoolAreCoalescedAndEveryFutureCompletes() throws Exception {
    java.util.concurrent.CountDownLatch sending = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Intake up = new Intake();
    up.up.set(true);
    EventRelayerGroup g = group(spooled(), b -> {
      sending.countDown();
      try {
        release.await(); // the worker is busy with this batch: what comes meanwhile waits in the spool
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return up.answer(b);
    });
    EventRelayer r = g.getRelayer(CHANNEL);
    assertThat(r.notifyMulti(CHANNEL, Groups.urls(0, 1)).allAccepted()).isTrue();
    assertThat(sending.await(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    List<RelayResult> same = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      same.add(r.notifyMulti(CHANNEL, Groups.urls(7, 1)));
    }
    release.countDown(); // the three are read back for one batch: coalescing happens at read time
    assertThat(g.flush(PATIENCE)).isTrue();
    assertThat(stats(g).coalesced()).isEqualTo(2);
    assertThat(up.received).containsEntry("https://en.example.org/wiki/Page_7", 1);
    for (RelayResult res : same) {
      assertThat(res.awaitDelivery(PATIENCE).orElseThrow().allDelivered()).isTrue();
    }
    ServiceStats s = stats(g);
    assertThat(s.accepted()).isEqualTo(4);
    assertThat(s.accountedFor()).isEqualTo(s.accepted());
  }

  @Test
  void aStormOfEqualPurgesDuringAnOutageIsCoalescedAcrossBatchesAndEachUrlIsDeliveredOnce() {
    Intake intake = new Intake();
    EventRelayerGroup g = group(spooled(), intake::answer);
    EventRelayer r = g.getRelayer(CHANNEL);
    List<RelayResult> results = new ArrayList<>();
    for (int i = 0; i < 30; i++) { // 30 x the same 20 URLs: far more than one batch (20) or the memory queue (50)
      RelayResult res = r.notifyMulti(CHANNEL, Groups.urls(0, 20));
      assertThat(res.allAccepted()).isTrue();
      results.add(res);
    }
    // The worker reads every record back while the intake is down: each equal purge follows the one it holds
    // waiting for a retry, so nothing is left in the spool and only 20 events are held in memory.
    await().atMost(PATIENCE).until(() -> stats(g).coalesced() == 580);
    ServiceStats down = stats(g);
    assertThat(down.spooled()).isZero();
    assertThat(down.queued() + down.inFlight()).isEqualTo(20);
    assertThat(down.accountedFor()).as(down.toString()).isEqualTo(600);

    intake.up.set(true);
    assertThat(g.flush(PATIENCE)).isTrue(); // every record final, the followers' with their leaders
    assertThat(intake.received.keySet()).isEqualTo(uris(0, 20));
    assertThat(intake.received.values()).allMatch(n -> n == 1);
    for (RelayResult res : results) {
      assertThat(res.awaitDelivery(PATIENCE).orElseThrow().allDelivered()).isTrue();
    }
    ServiceStats s = stats(g);
    assertThat(s.accepted()).isEqualTo(600);
    assertThat(s.delivered()).isEqualTo(20);
    assertThat(s.coalesced()).isEqualTo(580);
    assertThat(s.accountedFor()).as(s.toString()).isEqualTo(s.accepted());
    assertThat(g.close(PATIENCE)).isTrue();
    assertThat(segments()).isEmpty(); // the followers' records became final too
  }

  @Test
  void aCoalescedPurgesRecordStaysInTheSpoolUntilTheOneItFollowsIsFinal() {
    Intake down = new Intake();
    EventRelayerGroup first = group(spooled(), down::answer);
    EventRelayer r = first.getRelayer(CHANNEL);
    for (int i = 0; i < 5; i++) {
      assertThat(r.notifyMulti(CHANNEL, Groups.urls(0, 20)).allAccepted()).isTrue();
    }
    await().atMost(PATIENCE).until(() -> stats(first).coalesced() == 80);
    first.close(Duration.ofSeconds(2)); // the 20 it follows are not final: neither are the 80 records
    ServiceStats closed = stats(first);
    assertThat(closed.accountedFor()).as(closed.toString()).isEqualTo(100);

    Intake up = new Intake();
    up.up.set(true);
    EventRelayerGroup second = group(spooled(), up::answer);
    assertThat(stats(second).accepted()).isEqualTo(100); // every record replays, the followers' too
    assertThat(second.flush(PATIENCE)).isTrue();
    assertThat(up.received.keySet()).isEqualTo(uris(0, 20));
    ServiceStats s = stats(second);
    assertThat(s.delivered() + s.coalesced()).isEqualTo(100);
    assertThat(s.accountedFor()).as(s.toString()).isEqualTo(s.accepted());
  }

  @Test
  void beyondTrackedEventsFuturesCompleteAtOnceAsSpooledAndFlushStillWaitsForDelivery() {
    Intake intake = new Intake();
    // One event in memory at most: then at least n - 1 of the first n purges wait in the spool when the next comes.
    EventRelayerGroup g = group(spooled("spool.trackedEvents", 10, "queueCapacity", 1), intake::answer);
    EventRelayer r = g.getRelayer(CHANNEL);
    List<RelayResult> results = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      results.add(r.notify(CHANNEL, Groups.urls(i, 1).get(0)));
    }
    assertThat(results).allMatch(RelayResult::allAccepted);
    // The first 10 wait for their delivery; from the 12th on, callers were told at once where their event is.
    assertThat(results.subList(0, 10)).noneMatch(res -> res.delivery().isDone());
    for (RelayResult res : results.subList(11, 30)) {
      DeliveryReport report = res.delivery().getNow(null);
      assertThat(report).isNotNull();
      assertThat(report.spooled()).isEqualTo(1);
      assertThat(report.firstFailure()).isEqualTo(MappedEventSpool.UNTRACKED);
    }
    assertThat(g.flush(Duration.ofMillis(200))).as("the intake is down: nothing is final").isFalse();

    intake.up.set(true);
    assertThat(g.flush(PATIENCE)).as("flush waits for the untracked ones too").isTrue();
    assertThat(intake.received.keySet()).isEqualTo(uris(0, 30));
    assertThat(stats(g).delivered()).isEqualTo(30);
    for (RelayResult res : results.subList(0, 10)) {
      assertThat(res.delivery().getNow(null).allDelivered()).isTrue();
    }
  }

  @Test
  void aSecondRelayerOnTheSameSpoolDirectoryFailsAtBuildTimeNamingSpoolDir() {
    group(spooled());
    assertThatThrownBy(() -> Groups.purgeGroup(service, Map.of(), spooled()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("eventServices." + service + ".spoolDir"))
        .hasMessageContaining("in use by another relayer");
    // Another service may share the spoolDir: each gets a subdirectory of its own.
    String other = Groups.uniqueService();
    EventRelayerGroup g = Groups.purgeGroup(other, Map.of(), spooled());
    groups.add(g);
    assertThat(ScriptedServiceProvider.engine(other).spoolDirectory()).isEqualTo(spoolDir.resolve(other));
    assertThat(engine().spoolDirectory()).isEqualTo(spoolDir.resolve(service));
  }

  @Test
  void aFullSpoolRefusesWithQueueFullAndSaysSo() {
    EventRelayerGroup g = group(spooled("spool.maxBytes", "64KiB", "spool.segmentBytes", "8KiB",
        "maxBatchBytes", "4KiB"));
    transport().hang = new CountDownLatch(1); // the endpoint accepts the connection and never answers
    EventRelayer r = g.getRelayer(CHANNEL);
    long accepted = 0;
    RelayResult last = null;
    for (int i = 0; i < 100 && (last == null || last.allAccepted()); i++) {
      last = r.notifyMulti(CHANNEL, Groups.urls(i * 10, 10));
      accepted += last.accepted();
      engine().awaitDurable(PATIENCE);
    }
    assertThat(last.refused()).isNotEmpty().allSatisfy(x -> {
      assertThat(x.reason()).isEqualTo(RefusalReason.QUEUE_FULL);
      assertThat(x.detail()).contains("spool").contains("full").contains(service).contains("spool.maxBytes");
    });
    assertThat(engine().spoolUsedBytes()).isLessThanOrEqualTo(64 * 1024);
    ServiceStats s = stats(g);
    assertThat(s.refused()).isEqualTo(last.refused().size());
    assertThat(s.accepted()).isEqualTo(accepted);
    assertThat(s.accountedFor()).isEqualTo(accepted);
    assertThat(s.spooled()).isPositive();

    // Closing with the endpoint still hung drops nothing: the send is cancelled and its events stay spooled.
    g.close(Duration.ofMillis(300));
    ServiceStats closed = stats(g);
    assertThat(closed.dropped()).isZero();
    assertThat(closed.spooled()).isEqualTo(accepted);
    assertThat(transport().cancelled).isTrue();
  }

  @Test
  void corruptRecordsInTheSpoolAreSkippedCountedAndDoNotStopTheReplay() throws IOException {
    EventRelayerGroup first = group(spooled("queueCapacity", 10_000), new Intake()::answer);
    first.getRelayer(CHANNEL).notifyMulti(CHANNEL, Groups.urls(0, 10));
    engine().awaitDurable(PATIENCE);
    first.close(Duration.ofSeconds(5));
    assertThat(stats(first).spooled()).as(stats(first).toString()).isEqualTo(10);
    List<Path> segs = segments();
    assertThat(segs).hasSize(1);
    byte[] file = Files.readAllBytes(segs.get(0));
    try (FileChannel ch = FileChannel.open(segs.get(0), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x13, 0x37}), indexOf(file, "Page_5")); // inside the 6th record
      ch.truncate(indexOf(file, "Page_9")); // and a torn tail, inside the 10th
    }

    Intake up = new Intake();
    up.up.set(true);
    EventRelayerGroup second = group(spooled(), up::answer);
    assertThat(second.flush(PATIENCE)).isTrue();
    assertThat(engine().spoolCorruptRegions()).isEqualTo(2);
    assertThat(up.received).hasSize(8);
    assertThat(up.received.keySet()).contains("https://en.example.org/wiki/Page_0", "https://en.example.org/wiki/Page_8")
        .doesNotContain("https://en.example.org/wiki/Page_9");
    ServiceStats s = stats(second);
    assertThat(s.delivered()).isEqualTo(8);
    assertThat(s.dropped()).as("lost records are counted, as accepted by the run before").isEqualTo(2);
    assertThat(s.accepted()).isEqualTo(10);
  }

  private static int indexOf(byte[] file, String text) {
    byte[] t = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    outer:
    for (int i = 0; i + t.length <= file.length; i++) {
      for (int j = 0; j < t.length; j++) {
        if (file[i + j] != t[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError(text + " not in the segment");
  }

  @Test
  void withIntervalFsyncEventsAreDeliveredAndSurviveAClose() {
    Intake intake = new Intake();
    EventRelayerGroup first = group(spooled("spool.fsync", "interval", "spool.fsyncInterval", "50ms"),
        intake::answer);
    for (int i = 0; i < 10; i++) {
      assertThat(first.getRelayer(CHANNEL).notifyMulti(CHANNEL, Groups.urls(i * 10, 10)).allAccepted()).isTrue();
      assertThat(engine().awaitDurable(PATIENCE)).isTrue();
    }
    first.close(Duration.ofSeconds(5));
    assertThat(stats(first).spooled()).isEqualTo(100);

    intake.up.set(true);
    EventRelayerGroup second = group(spooled("spool.fsync", "interval"), intake::answer);
    assertThat(second.flush(PATIENCE)).isTrue();
    assertThat(intake.received.keySet()).isEqualTo(uris(0, 100));
  }

  /**
   * The accounting equation under concurrent callers, an intake that flaps, answers per event (invalid, retry),
   * a memory queue small enough that events spill to disk, and a close in the middle: after every quiet moment
   * {@code accepted == delivered + deadLettered + dropped + queued + inFlight + spooled}, and what the intake
   * confirmed is exactly what was counted delivered, each event once.
   */
  @Test
  void theAccountingEquationHoldsUnderAMixedWorkloadWithOutagesAndARestart() throws Exception {
    Map<String, Object> settings = spooled("queueCapacity", 200, "maxBatchEvents", 25, "retry.maxAttempts", 6,
        "deadLetterHandler", RecordingDeadLetters.class.getName());
    AtomicBoolean flapping = new AtomicBoolean(true);
    Map<String, Integer> confirmed = new ConcurrentHashMap<>();
    AtomicLong invalid = new AtomicLong();
    java.util.function.Function<Batch, SendResult> script = b -> {
      int dice = ThreadLocalRandom.current().nextInt(10);
      if (flapping.get() && dice < 4) {
        throw new IllegalStateException("connection reset");
      }
      SendResult.Builder sb = SendResult.builder(b.size());
      for (int i = 0; i < b.size(); i++) {
        String u = uri(b.events().get(i).jsonString());
        if (u.endsWith("7")) {
          sb.invalid(i, "'meta.domain' is invalid");
          invalid.incrementAndGet();
        } else if (flapping.get() && i % 5 == 0) {
          sb.retry(i, "error: overloaded");
        } else {
          confirmed.merge(u, 1, Integer::sum);
        }
      }
      return sb.build();
    };

    EventRelayerGroup first = group(settings, script);
    long accepted = drive(first, 0);
    ServiceStats mid = stats(first);
    assertThat(mid.accepted()).isEqualTo(accepted);
    first.close(Duration.ofSeconds(3));
    ServiceStats closed = stats(first);
    assertThat(closed.accountedFor()).as(closed.toString()).isEqualTo(closed.accepted());
    assertThat(closed.dropped() + closed.queued() + closed.inFlight()).as(closed.toString()).isZero();

    EventRelayerGroup second = group(settings, script);
    assertThat(stats(second).accepted()).isEqualTo(closed.spooled());
    long acceptedSecond = drive(second, 10_000_000);
    flapping.set(false);
    assertThat(second.flush(PATIENCE)).isTrue();
    ServiceStats s = stats(second);
    assertThat(s.accepted()).isEqualTo(closed.spooled() + acceptedSecond);
    assertThat(s.accountedFor()).as(s.toString()).isEqualTo(s.accepted());
    assertThat(s.queued() + s.inFlight() + s.spooled() + s.dropped()).isZero();

    // Every accepted event is final exactly once across both runs; the intake saw each delivered one once.
    long deliveredTotal = closed.delivered() + s.delivered();
    long deadTotal = closed.deadLettered() + s.deadLettered();
    assertThat(deliveredTotal + deadTotal).isEqualTo(accepted + acceptedSecond);
    assertThat((long) confirmed.size()).isEqualTo(deliveredTotal);
    assertThat(confirmed.values()).allMatch(n -> n == 1);
    assertThat(confirmed.keySet()).noneMatch(u -> u.endsWith("7"));
  }

  /**
   * Four threads relay 4 x 100 calls of 10 URLs while the engine runs, each waiting for the spool writer after a
   * call as a host relaying no faster than the disk would; returns how many were accepted, checking that any
   * refusal was counted.
   */
  private long drive(EventRelayerGroup g, int base) throws InterruptedException {
    EventRelayer r = g.getRelayer(CHANNEL);
    DeliveryEngine engine = engine();
    long refusedBefore = stats(g).refused();
    AtomicLong accepted = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int from = base + t * 100_000;
      Thread th = new Thread(() -> {
        for (int i = 0; i < 100; i++) {
          RelayResult res = r.notifyMulti(CHANNEL, Groups.urls(from + i * 10, 10));
          accepted.addAndGet(res.accepted());
          refused.addAndGet(res.refused().size());
          engine.awaitDurable(PATIENCE);
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertThat(accepted.get() + refused.get()).isEqualTo(4_000);
    assertThat(stats(g).refused() - refusedBefore).isEqualTo(refused.get());
    return accepted.get();
  }

  @Test
  void spoolKeysAreCheckedAtBuildTimeAndNameTheKey() {
    Map<String, Object> noDir = new HashMap<>(Map.of("overflow", "spool"));
    assertThatThrownBy(() -> group(noDir)).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("eventServices." + service + ".overflow"))
        .hasMessageContaining("spoolDir");
    assertThatThrownBy(() -> group(Map.of("spool.maxBytes", "1GiB"))).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).endsWith(".spool.maxBytes"));
    assertThatThrownBy(() -> group(spooled("overflow", "drop"))).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).endsWith(".spoolDir"));
    assertThatThrownBy(() -> group(spooled("spool.fsyncInterval", "1s"))).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).endsWith(".spool.fsyncInterval"));
    assertThatThrownBy(() -> group(spooled("spool.fsync", "always"))).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).endsWith(".spool.fsync"));
    assertThatThrownBy(() -> group(spooled("spool.maxBytes", "1MiB", "spool.segmentBytes", "1MiB")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).endsWith(".spool.segmentBytes"));
    assertThatThrownBy(() -> group(spooled("spool.fillThreads", 0))).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).endsWith(".spool.fillThreads"));
    assertThatThrownBy(() -> group(Map.of("spool.fillThreads", 2))).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).endsWith(".spool.fillThreads"));
    // A build that fails after the spool was opened (an unknown key is found last) leaves it unlocked.
    assertThatThrownBy(() -> group(spooled("spool.fsnyc", "batch"))).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).endsWith(".spool.fsnyc"));
    group(spooled("overflow", "spool", "spool.fsync", "interval", "spool.fsyncInterval", "10ms",
        "spool.fillThreads", 1));
  }
}
