package org.eventrelayer.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.testkit.EventGateIntake;

/**
 * The measurement behind the HTTP batching defaults: the relayer alone against the test kit's {@link EventGateIntake},
 * which validates every event against its schema (as the real EventGate does) and takes 4 MiB per body at most.
 *
 * <p>Flood: {@code --events N} purges handed over in calls of 100, then {@code flush}; events/s and requests per
 * {@code maxBatchEvents} value, the values interleaved within each of {@code --rounds R} rounds (order rotating),
 * after one warm-up round; medians. Trickle: one purge every {@code --gap-us} microseconds for {@code --trickle N}
 * purges per {@code linger} value: requests made and the time from the last {@code notify} to {@code flush}
 * returning. Options: {@code --events} (30000), {@code --rounds} (3), {@code --trickle} (2000), {@code --gap-us}
 * (250), {@code --out results.json}.
 */
public final class BatchDefaultsHarness {

  private static final String SERVICE = "eventgate";
  private static final List<Integer> BATCH_EVENTS = List.of(250, 1000, 4000, 1_000_000);
  private static final List<String> LINGERS = List.of("0ms", "5ms", "20ms");

  private BatchDefaultsHarness() {}

  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int events = Bench.intArg(args, "events", 30_000);
    int rounds = Bench.intArg(args, "rounds", 3);
    int trickle = Bench.intArg(args, "trickle", 2000);
    int gapMicros = Bench.intArg(args, "gap-us", 250);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "batch-defaults");
    out.put("loadAverageStart", Bench.loadAverage());
    List<List<Map<String, ?>>> calls = PurgeEvents.calls(PurgeEvents.distinctUrls(events, "Defaults"), 100);
    Map<Integer, List<Double>> rates = new LinkedHashMap<>();
    Map<Integer, Long> requests = new LinkedHashMap<>();
    try (EventGateIntake gate = EventGateIntake.start()) {
      for (int round = 0; round <= rounds; round++) {
        for (int i = 0; i < BATCH_EVENTS.size(); i++) {
          int batch = BATCH_EVENTS.get((i + round) % BATCH_EVENTS.size());
          int before = gate.requests();
          double rate = flood(gate, calls, events, batch);
          long made = gate.requests() - before;
          System.out.printf("round %d: maxBatchEvents %,d: %s (%d requests)%s%n", round, batch, Bench.rate(rate),
              made, round == 0 ? " (warm-up, not counted)" : "");
          if (round > 0) {
            rates.computeIfAbsent(batch, k -> new ArrayList<>()).add(rate);
            requests.put(batch, made);
          }
        }
      }
      Map<String, Object> flood = new LinkedHashMap<>();
      rates.forEach((batch, r) -> {
        flood.put(String.valueOf(batch), Map.of("eventsPerSecondMedian", Bench.median(r), "eventsPerSecond", r,
            "requests", requests.get(batch)));
        System.out.printf("maxBatchEvents %,d: median %s (%d requests per round)%n", batch,
            Bench.rate(Bench.median(r)), requests.get(batch));
      });
      out.put("flood", flood);
      Map<String, Object> lingers = new LinkedHashMap<>();
      for (String linger : LINGERS) {
        int before = gate.requests();
        double tail = trickle(gate, trickle, gapMicros, linger);
        long made = gate.requests() - before;
        System.out.printf("trickle, one purge per %d us, linger %s: %d requests for %d purges, last notify to "
            + "flush %.1f ms%n", gapMicros, linger, made, trickle, tail * 1e3);
        lingers.put(linger, Map.of("requests", made, "lastNotifyToFlushSeconds", tail));
      }
      out.put("trickle", lingers);
    }
    out.put("loadAverageEnd", Bench.loadAverage());
    Bench.writeJson(args.get("out"), out);
  }

  private static EventRelayerGroup group(EventGateIntake gate, Object... kv) {
    Map<String, Object> service = new LinkedHashMap<>(gate.serviceConfig(kv));
    return EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(PurgeEvents.CHANNEL, PurgeEvents.relayerEntry()),
        "eventServices", Map.of(SERVICE, service)));
  }

  /** Events per second from the first notifyMulti to flush returning, every event delivered. */
  private static double flood(EventGateIntake gate, List<List<Map<String, ?>>> calls, int total, int batch) {
    EventRelayerGroup group = group(gate, "maxBatchEvents", batch, "queueCapacity", Math.max(total, 1000),
        "queueBytes", "1GiB", "timeout", "60s");
    try {
      EventRelayer relayer = group.getRelayer(PurgeEvents.CHANNEL);
      Bench.settle();
      long start = System.nanoTime();
      for (List<Map<String, ?>> c : calls) {
        relayer.notifyMulti(PurgeEvents.CHANNEL, c);
      }
      check(group.flush(Duration.ofMinutes(5)), group, total);
      return total / ((System.nanoTime() - start) / 1e9);
    } finally {
      group.close(Duration.ofSeconds(10));
    }
  }

  /** Seconds from the last notify to flush returning, purges arriving one by one. */
  private static double trickle(EventGateIntake gate, int total, int gapMicros, String linger) {
    EventRelayerGroup group = group(gate, "linger", linger);
    try {
      EventRelayer relayer = group.getRelayer(PurgeEvents.CHANNEL);
      for (String url : PurgeEvents.distinctUrls(total, "Trickle" + linger)) {
        relayer.notify(PurgeEvents.CHANNEL, Map.of("url", url));
        LockSupport.parkNanos(gapMicros * 1000L);
      }
      long last = System.nanoTime();
      check(group.flush(Duration.ofMinutes(5)), group, total);
      return (System.nanoTime() - last) / 1e9;
    } finally {
      group.close(Duration.ofSeconds(10));
    }
  }

  private static void check(boolean flushed, EventRelayerGroup group, int total) {
    ServiceStats s = group.serviceStats().get(SERVICE);
    if (!flushed || s.delivered() != total) {
      throw new IllegalStateException("not every event delivered: flushed " + flushed + ", " + s);
    }
  }
}
