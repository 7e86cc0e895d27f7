package org.eventrelayer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.core.DeadLetter;
import org.eventrelayer.http.FlappingIntake.Kind;
import org.eventrelayer.http.FlappingIntake.Mode;
import org.eventrelayer.http.FlappingIntake.Receipt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Eight host threads call {@code notifyMulti} on the cdn-purge relayer while the real HTTP transport talks to an
 * intake on loopback that flaps: healthy (201, or 207 for invalid events), 503s, 207s listing transient
 * {@code error}s and {@code invalid} events, answers hung for a while (well below the timeout), answers lost (the
 * intake took the events and closed the connection), and periods where the port is closed. Then the intake stays
 * healthy and everything must settle: no deadlock, exact accounting, the intake's set equals what was counted
 * delivered, duplicates only where an answer was lost, and dead letters exactly the invalid events.
 *
 * <p>The fault schedule advances on what the intake observed (requests answered in each mode, refused connection
 * attempts in the engine's stats), not on wall-clock time, so every kind of fault is exercised however slow the
 * machine is; only the producers' run is bounded in time as well as in calls.
 */
@Timeout(240)
class HttpConcurrencyTest {

  private static final String SERVICE = "flapgate";
  private static final String CHANNEL = "cdn-url-purges";
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final int THREADS = 8;
  private static final int MAX_CALLS_PER_THREAD = 2_000;
  private static final Duration MAX_RUN = Duration.ofSeconds(20);
  private static final int CYCLES = 2;
  private static final long HANG_MILLIS = 150;

  /** One step of the fault schedule: a mode held for {@code requests} requests, or a closed-port period. */
  private record Step(Mode mode, int requests, boolean closedPort) {
    static Step of(Mode mode, int requests) {
      return new Step(mode, requests, false);
    }

    static Step portClosed() {
      return new Step(Mode.UNAVAILABLE, 0, true);
    }
  }

  private static final List<Step> CYCLE = List.of(
      Step.of(Mode.HEALTHY, 3),
      Step.of(Mode.UNAVAILABLE, 3),
      Step.of(Mode.PARTIAL, 3),
      Step.of(Mode.HUNG, 2),
      Step.of(Mode.HEALTHY, 2),
      Step.of(Mode.LOST, 2),
      Step.portClosed(),
      Step.of(Mode.PARTIAL, 2),
      Step.of(Mode.LOST, 1),
      Step.of(Mode.UNAVAILABLE, 2));

  /** One notifyMulti call: the URIs it passed, in order, and what it returned. */
  private record Call(List<String> uris, RelayResult result) {}

  private final FlappingIntake intake = new FlappingIntake(HANG_MILLIS);
  private EventRelayerGroup group;

  @AfterEach
  void tearDown() {
    if (group != null) {
      group.close(Duration.ofSeconds(5));
    }
    intake.close();
    DeadLetterLog.clear(SERVICE);
  }

  private ServiceStats stats() {
    return group.serviceStats().get(SERVICE);
  }

  private EventRelayerGroup buildGroup() {
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "http");
    service.put("url", intake.url());
    service.put("timeout", "15s"); // a hung answer (150 ms) is two orders of magnitude shorter
    service.put("maxBatchEvents", 100);
    service.put("linger", "2ms");
    service.put("queueCapacity", 3_000);
    service.put("overflow", "drop");
    service.put("retry.initialBackoff", "5ms");
    service.put("retry.maxBackoff", "100ms");
    service.put("retry.maxAttempts", Integer.MAX_VALUE);
    service.put("retry.maxAge", "0"); // no age limit: only an invalid verdict may dead-letter
    service.put("breaker.minimumNumberOfCalls", 4);
    service.put("breaker.slidingWindowSize", 8);
    service.put("breaker.waitInOpenState", "50ms");
    service.put("breaker.maxWaitInOpenState", "200ms");
    service.put("deadLetterHandler", DeadLetterLog.class.getName());
    return EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(
            CHANNEL, Map.of("type", "cdn-purge", "stream", TestEvents.STREAM, "domain", "en.example.org",
                "tags", List.of("mediawiki")),
            "default", Map.of("type", "none")),
        "eventServices", Map.of(SERVICE, service)));
  }

  @Test
  void eightHostThreadsAgainstAFlappingIntakeLoseNothingCountEverythingOnceAndNeverDeadlock() throws Exception {
    intake.start(0);
    DeadLetterLog.clear(SERVICE);
    group = buildGroup();
    EventRelayer purges = group.getRelayer(CHANNEL);

    ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    AtomicBoolean stopProducing = new AtomicBoolean();
    AtomicBoolean producersDone = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long runEnds = System.nanoTime() + MAX_RUN.toNanos();

    // --- The host: 8 threads, each bounded in calls and in time, with distinct URLs; ~1 in 17 is invalid.
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Thread p = new Thread(() -> {
        try {
          for (int c = 0; c < MAX_CALLS_PER_THREAD && !stopProducing.get() && System.nanoTime() < runEnds; c++) {
            int n = 1 + (c + thread) % 5;
            List<Map<String, Object>> events = new ArrayList<>(n);
            List<String> uris = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              boolean invalid = (c * 5 + i + thread) % 17 == 3;
              String uri = "https://en.example.org/wiki/" + (invalid ? "Invalid_" : "Page_") + "T" + thread + "_C"
                  + c + "_" + i;
              uris.add(uri);
              events.add(Map.of("url", uri));
            }
            calls.add(new Call(uris, purges.notifyMulti(CHANNEL, events)));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a host's rhythm, not a wait
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "host-" + t);
      p.setDaemon(true);
      producers.add(p);
    }

    // --- The fault schedule: advances on what the intake and the engine observed.
    AtomicInteger cyclesDone = new AtomicInteger();
    AtomicInteger closedPeriods = new AtomicInteger();
    Thread flapper = new Thread(() -> {
      try {
        outer:
        while (!producersDone.get()) {
          for (Step step : CYCLE) {
            if (producersDone.get()) {
              break outer;
            }
            if (step.closedPort()) {
              closePortForAWhile(producersDone, closedPeriods);
            } else {
              intake.mode(step.mode());
              waitFor(() -> intake.requestsInMode() >= step.requests(), producersDone);
            }
          }
          if (cyclesDone.incrementAndGet() >= CYCLES) {
            stopProducing.set(true);
          }
        }
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
        stopProducing.set(true);
      } finally {
        intake.mode(Mode.HEALTHY);
        try {
          intake.start(); // no-op if running
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        }
      }
    }, "intake-flapper");
    flapper.setDaemon(true);

    long started = System.nanoTime();
    producers.forEach(Thread::start);
    flapper.start();

    // No deadlock on the callers' side: every host thread finishes its bounded run.
    await("host threads finish").atMost(PATIENCE).until(() -> producers.stream().noneMatch(Thread::isAlive));
    long produced = System.nanoTime() - started;
    producersDone.set(true);
    await("fault schedule stops").atMost(PATIENCE).until(() -> !flapper.isAlive());
    assertThat(failure.get()).as("a host thread or the flapper failed").isNull();
    assertThat(intake.running()).isTrue();
    assertThat(intake.mode()).isEqualTo(Mode.HEALTHY);

    // The intake is healthy for good: everything accepted settles.
    assertThat(group.flush(PATIENCE)).as("flush after the intake is healthy for good").isTrue();
    long settled = System.nanoTime() - started;

    // ---- What the host was told.
    Set<String> accepted = new HashSet<>();
    Set<String> refused = new HashSet<>();
    long sumAccepted = 0;
    for (Call call : calls) {
      RelayResult r = call.result();
      Set<Integer> refusedIdx = new HashSet<>();
      for (Refusal x : r.refused()) {
        assertThat(x.reason()).as("only a full queue may refuse these URLs: %s", x).isEqualTo(RefusalReason.QUEUE_FULL);
        refusedIdx.add(x.index());
        refused.add(call.uris().get(x.index()));
      }
      assertThat(r.accepted() + r.refused().size()).isEqualTo(call.uris().size());
      sumAccepted += r.accepted();
      for (int i = 0; i < call.uris().size(); i++) {
        if (!refusedIdx.contains(i)) {
          accepted.add(call.uris().get(i));
        }
      }
    }
    Set<String> acceptedInvalid = new HashSet<>();
    Set<String> acceptedValid = new HashSet<>();
    for (String uri : accepted) {
      (uri.contains(FlappingIntake.INVALID_MARK) ? acceptedInvalid : acceptedValid).add(uri);
    }

    // ---- Accounting, per ServiceStats, exact once quiet.
    ServiceStats s = stats();
    assertThat(s.accepted()).as("sum of RelayResult.accepted() == stats.accepted()").isEqualTo(sumAccepted)
        .isEqualTo(accepted.size());
    assertThat(s.refused()).isEqualTo(refused.size());
    assertThat(s.queued()).isZero();
    assertThat(s.inFlight()).isZero();
    assertThat(s.spooled()).isZero();
    assertThat(s.dropped()).isZero();
    assertThat(s.accountedFor()).as("delivered + deadLettered + dropped + queued + inFlight + spooled")
        .isEqualTo(s.accepted());
    assertThat(s.delivered()).isEqualTo(acceptedValid.size());
    assertThat(s.deadLettered()).isEqualTo(acceptedInvalid.size());

    // ---- What the intake saw, event by event.
    assertThat(intake.malformed()).isZero();
    Map<String, List<Receipt>> ledger = intake.ledger();
    assertThat(accepted).containsAll(ledger.keySet()); // nothing refused (or never offered) was ever sent
    // The intake's received set (taken, answered or not) is exactly what was counted delivered: every accepted
    // valid URI, since no event was dropped and only invalid ones were dead-lettered.
    assertThat(intake.taken()).isEqualTo(acceptedValid);
    long duplicates = 0;
    for (Map.Entry<String, List<Receipt>> e : ledger.entrySet()) {
      String uri = e.getKey();
      List<Receipt> receipts = e.getValue();
      Map<Kind, Integer> by = new HashMap<>();
      receipts.forEach(r -> by.merge(r.kind(), 1, Integer::sum));
      assertThat(receipts).as("one event, one meta.id, across every retry: %s", uri)
          .extracting(Receipt::id).doesNotContainNull().containsOnly(receipts.get(0).id());
      Kind last = receipts.get(receipts.size() - 1).kind();
      if (acceptedInvalid.contains(uri)) {
        assertThat(by).as("an invalid event is rejected once, and never taken: %s", uri)
            .containsEntry(Kind.INVALID, 1).doesNotContainKeys(Kind.ACCEPTED, Kind.LOST);
        assertThat(last).isEqualTo(Kind.INVALID);
      } else {
        // Counted delivered exactly once: one answered acceptance, which ends its story.
        assertThat(by).as("receipts of %s: %s", uri, receipts).containsEntry(Kind.ACCEPTED, 1)
            .doesNotContainKey(Kind.INVALID);
        assertThat(last).as("receipts of %s: %s", uri, receipts).isEqualTo(Kind.ACCEPTED);
        // At-least-once: every extra copy the intake took is one whose answer was lost.
        int takenCopies = by.getOrDefault(Kind.ACCEPTED, 0) + by.getOrDefault(Kind.LOST, 0);
        assertThat(takenCopies - 1).as("duplicates of %s: %s", uri, receipts)
            .isEqualTo(by.getOrDefault(Kind.LOST, 0));
        duplicates += takenCopies - 1;
      }
    }
    assertThat(duplicates).as("duplicates == events taken in batches whose answer was lost")
        .isEqualTo(intake.count(Kind.LOST));
    assertThat(ledger.keySet()).containsAll(acceptedValid);
    // The same by meta.id: the distinct ids of answered acceptances are exactly as many as were counted delivered.
    Set<String> deliveredIds = new HashSet<>();
    ledger.values().forEach(list -> list.stream().filter(r -> r.kind() == Kind.ACCEPTED)
        .forEach(r -> assertThat(deliveredIds.add(r.id())).as("meta.id accepted twice: %s", r.id()).isTrue()));
    assertThat(deliveredIds).hasSize((int) s.delivered());
    // Dead letters: exactly the events the intake said were invalid, each once, with the intake's verdict.
    List<DeadLetter> letters = DeadLetterLog.of(SERVICE);
    List<String> deadUris = letters.stream()
        .map(l -> TestEvents.tree(l.json()).path("meta").path("uri").asText()).toList();
    assertThat(deadUris).doesNotHaveDuplicates();
    assertThat(new HashSet<>(deadUris)).isEqualTo(acceptedInvalid);
    Set<String> saidInvalid = new HashSet<>();
    ledger.forEach((uri, list) -> {
      if (list.stream().anyMatch(r -> r.kind() == Kind.INVALID)) {
        saidInvalid.add(uri);
      }
    });
    assertThat(new HashSet<>(deadUris)).as("dead-lettered == what the intake said was invalid").isEqualTo(saidInvalid);
    assertThat(letters).allSatisfy(l -> assertThat(l.reason()).startsWith("invalid: http 207")
        .contains("marked invalid by the test intake"));

    // ---- Each call's own delivery report agrees, event for event.
    for (Call call : calls) {
      RelayResult r = call.result();
      DeliveryReport report = r.awaitDelivery(PATIENCE).orElseThrow();
      int valid = 0;
      int invalid = 0;
      Set<Integer> refusedIdx = new HashSet<>();
      r.refused().forEach(x -> refusedIdx.add(x.index()));
      for (int i = 0; i < call.uris().size(); i++) {
        if (!refusedIdx.contains(i)) {
          if (call.uris().get(i).contains(FlappingIntake.INVALID_MARK)) {
            invalid++;
          } else {
            valid++;
          }
        }
      }
      assertThat(report.delivered()).as("call %s", call.uris()).isEqualTo(valid);
      assertThat(report.deadLettered()).as("call %s", call.uris()).isEqualTo(invalid);
      assertThat(report.dropped()).isZero();
    }

    System.out.printf("HttpConcurrencyTest: %d calls, %d accepted (%d invalid), %d refused (queue full); %d fault "
            + "cycle(s), %d closed-port period(s); intake: %d requests (%s), %d copies taken with the answer lost "
            + "(= duplicates %d), %d transient errors; engine: %d batches, %d retries; hosts ran %d ms, settled "
            + "after %d ms%n",
        calls.size(), s.accepted(), acceptedInvalid.size(), refused.size(), cyclesDone.get(), closedPeriods.get(),
        intake.requests(), modeCounts(), intake.count(Kind.LOST), duplicates, intake.count(Kind.ERROR), s.batches(),
        s.retries(), TimeUnit.NANOSECONDS.toMillis(produced), TimeUnit.NANOSECONDS.toMillis(settled));

    // ---- The run exercised what it claims to.
    assertThat(cyclesDone.get()).as("full fault cycles while the hosts ran").isGreaterThanOrEqualTo(1);
    assertThat(closedPeriods.get()).isPositive();
    assertThat(intake.starts()).isEqualTo(1 + closedPeriods.get());
    for (Mode m : Mode.values()) {
      assertThat(intake.requests(m)).as("requests answered in mode %s", m).isPositive();
    }
    assertThat(intake.count(Kind.LOST)).isPositive();
    assertThat(intake.count(Kind.ERROR)).isPositive();
    assertThat(acceptedInvalid).isNotEmpty();
    assertThat(s.retries()).isPositive();

    // ---- Close: clean, nothing left, no thread of ours survives.
    assertThat(group.close(PATIENCE)).isTrue();
    ServiceStats after = stats();
    assertThat(after.accountedFor()).isEqualTo(after.accepted()).isEqualTo(s.accepted());
    assertThat(after.dropped()).isZero();
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(HttpDeliveryTest.liveThreads(SERVICE)).isEmpty());

  }

  /**
   * A closed-port period. First the intake answers 503 until it has seen one request in that mode: the engine has
   * one request in flight at most, so by then the answer to every earlier request (including any that took events)
   * has been read. Only then does the port close, so closing never cuts off an answer that took events. It opens
   * again once the engine has made a few more attempts (refused connections).
   */
  private void closePortForAWhile(AtomicBoolean producersDone, AtomicInteger closedPeriods) throws Exception {
    intake.mode(Mode.UNAVAILABLE);
    // Several requests are in flight at once, and the answers that took events (a hung one, say) may still be on
    // their way: close only once the engine holds no batch in flight, so every such answer has been read.
    waitFor(() -> intake.requestsInMode() >= 1 && stats().inFlight() == 0, producersDone);
    if (producersDone.get()) {
      return;
    }
    intake.stop();
    closedPeriods.incrementAndGet();
    try {
      long before = stats().batches();
      waitFor(() -> stats().batches() >= before + 3, producersDone);
    } finally {
      intake.start();
    }
  }

  /** Waits until {@code condition} holds or the producers are done (generous bound: a stall is a failure). */
  private static void waitFor(BooleanSupplier condition, AtomicBoolean producersDone) {
    await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
        .until(() -> condition.getAsBoolean() || producersDone.get());
  }

  private String modeCounts() {
    StringBuilder b = new StringBuilder();
    for (Mode m : Mode.values()) {
      b.append(b.length() == 0 ? "" : ", ").append(m).append(' ').append(intake.requests(m));
    }
    return b.toString();
  }
}
