package org.eventrelayer.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;

/**
 * Memory while the intake is down: callers notify as fast as they can for a sustained run against a closed port
 * (connection refused), and the heap in use after a full GC must stay within the configured queue bound, the rest
 * being refused (or spooled, with {@code overflow: spool}). Reports bytes of heap per queued event: heap after GC
 * with the queue full, minus heap after GC with the same group built and its queue empty, divided by the events
 * queued; and compares it with the engine's own estimate ({@code queuedBytes / queued}).
 *
 * <p>Cases (each with a fresh group): {@code events} — the event bound binds ({@code queueCapacity} 100,000;
 * {@code queueBytes} 1 GiB); {@code bytes} — the byte bound binds ({@code queueCapacity} 10,000,000;
 * {@code queueBytes} 32 MiB), where the heap delta must stay under {@code queueBytes}; and {@code spool}, when the
 * engine supports {@code spoolDir}: the events case with {@code overflow: spool} into a temporary directory.
 *
 * <p>Every second, the callers are paused, a full GC runs and the heap in use is sampled, so the report shows the
 * live heap over the whole run, not only at the end. Options: {@code --seconds S} (20), {@code --threads T} (2),
 * {@code --cases events,bytes,spool}, {@code --out file}.
 */
public final class MemoryHarness {

  private static final String SERVICE = "eventgate";

  private MemoryHarness() {}

  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int seconds = Bench.intArg(args, "seconds", 20);
    int threads = Bench.intArg(args, "threads", 2);
    List<String> cases = List.of(args.getOrDefault("cases", "events,bytes,spool").split(","));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "memory");
    out.put("loadAverageStart", Bench.loadAverage());
    out.put("environment", Bench.environment());
    out.put("seconds", seconds);
    out.put("callerThreads", threads);

    String url = Bench.closedPortUrl(); // connection refused
    out.put("intake", "closed port on 127.0.0.1 (connection refused)");

    // Warm-up: the same code paths in a throw-away group, so that the measured run is compiled code.
    run("warmup", url, 100_000, "1GiB", null, Math.min(3, seconds), threads, false);

    List<Map<String, Object>> results = new ArrayList<>();
    for (String c : cases) {
      switch (c.trim()) {
        case "events" -> results.add(run("events", url, 100_000, "1GiB", null, seconds, threads, true));
        case "bytes" -> results.add(run("bytes", url, 10_000_000, "32MiB", null, seconds, threads, true));
        case "spool" -> {
          Path probe = Files.createTempDirectory("bench-probe-");
          boolean spoolSupported = Bench.engineSupports("spoolDir", probe.toString());
          Bench.deleteTree(probe);
          if (!spoolSupported) {
            System.out.println("spool: the engine has no spoolDir key (yet); case skipped");
            Map<String, Object> skipped = new LinkedHashMap<>();
            skipped.put("case", "spool");
            skipped.put("skipped", "the engine has no spoolDir key");
            results.add(skipped);
            continue;
          }
          Path dir = Files.createTempDirectory("bench-spool-");
          try {
            results.add(run("spool", url, 100_000, "1GiB", dir, seconds, threads, true));
          } catch (RuntimeException e) {
            Map<String, Object> failed = new LinkedHashMap<>();
            failed.put("case", "spool");
            failed.put("error", e.toString());
            results.add(failed);
            System.out.println("spool case failed: " + e);
          } finally {
            Bench.discardSpool(dir);
          }
        }
        default -> throw new IllegalArgumentException("unknown case " + c);
      }
    }
    out.put("cases", results);
    out.put("loadAverageEnd", Bench.loadAverage());
    Bench.writeJson(args.get("out"), out);
  }

  static Map<String, Object> run(String name, String url, int capacity, String queueBytes, Path spoolDir,
      int seconds, int threads, boolean report) throws InterruptedException {
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "http");
    service.put("url", url);
    service.put("timeout", "2s");
    service.put("queueCapacity", capacity);
    service.put("queueBytes", queueBytes);
    if (spoolDir != null) {
      service.put("overflow", "spool");
      service.put("spoolDir", spoolDir.toString());
      service.put("spool.maxBytes", "256MiB");
    }
    EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(PurgeEvents.CHANNEL, PurgeEvents.relayerEntry()),
        "eventServices", Map.of(SERVICE, service)));
    long heapEmpty = Bench.heapAfterGc();
    EventRelayer relayer = group.getRelayer(PurgeEvents.CHANNEL);

    ReentrantReadWriteLock pause = new ReentrantReadWriteLock();
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder offered = new LongAdder();
    LongAdder accepted = new LongAdder();
    LongAdder refused = new LongAdder();
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      final int id = t;
      Thread th = new Thread(() -> {
        long n = 0;
        String prefix = "https://en.example.org/wiki/" + name + "_" + id + "_";
        while (!stop.get()) {
          List<Map<String, ?>> call = new ArrayList<>(100);
          for (int i = 0; i < 100; i++) {
            call.add(Map.of("url", prefix + (n++)));
          }
          pause.readLock().lock();
          try {
            RelayResult r = relayer.notifyMulti(PurgeEvents.CHANNEL, call);
            offered.add(call.size());
            accepted.add(r.accepted());
            refused.add(r.refused().size());
          } finally {
            pause.readLock().unlock();
          }
        }
      }, "memory-caller-" + t);
      th.setDaemon(true);
      callers.add(th);
    }
    long start = System.nanoTime();
    callers.forEach(Thread::start);
    List<Map<String, Object>> samples = new ArrayList<>();
    long maxLive = 0;
    long pausedNanos = 0;
    for (int sec = 1; sec <= seconds; sec++) {
      Thread.sleep(1000);
      long p0 = System.nanoTime();
      pause.writeLock().lock();
      try {
        long live = Bench.heapAfterGc();
        ServiceStats s = group.serviceStats().get(SERVICE);
        maxLive = Math.max(maxLive, live);
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("second", sec);
        sample.put("heapAfterGcMiB", live / (double) (1 << 20));
        sample.put("queued", s.queued());
        sample.put("offered", offered.sum());
        sample.put("refused", refused.sum());
        Long spooled = Bench.optionalStat(s, "spooled");
        if (spooled != null) {
          sample.put("spooled", spooled);
        }
        samples.add(sample);
      } finally {
        pause.writeLock().unlock();
      }
      pausedNanos += System.nanoTime() - p0;
    }
    stop.set(true);
    for (Thread t : callers) {
      t.join();
    }
    double runSeconds = (System.nanoTime() - start - pausedNanos) / 1e9;
    ServiceStats full = group.serviceStats().get(SERVICE);
    long heapFull = Bench.heapAfterGc();
    group.close(Duration.ofMillis(500));
    long heapClosed = Bench.heapAfterGc();
    if (!report) {
      return Map.of();
    }

    long delta = heapFull - heapEmpty;
    long queued = full.queued() + full.inFlight(); // what the queue bound covers: waiting and in flight
    long boundBytes = parseBytes(queueBytes);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("case", name);
    m.put("queueCapacity", capacity);
    m.put("queueBytes", boundBytes);
    if (spoolDir != null) {
      m.put("overflow", "spool");
    }
    m.put("offered", offered.sum());
    m.put("offeredPerSecond", offered.sum() / runSeconds);
    m.put("accepted", accepted.sum());
    m.put("refused", refused.sum());
    m.put("queued", queued);
    m.put("engineQueuedBytes", full.queuedBytes());
    Long spooled = Bench.optionalStat(full, "spooled");
    if (spooled != null) {
      m.put("spooled", spooled);
    }
    m.put("heapEmptyMiB", heapEmpty / (double) (1 << 20));
    m.put("heapFullMiB", heapFull / (double) (1 << 20));
    m.put("heapDeltaMiB", delta / (double) (1 << 20));
    m.put("maxLiveHeapMiB", maxLive / (double) (1 << 20));
    m.put("heapAfterCloseMiB", heapClosed / (double) (1 << 20));
    m.put("bytesPerQueuedEvent", queued == 0 ? 0 : delta / (double) queued);
    m.put("engineEstimatePerEvent", queued == 0 ? 0 : full.queuedBytes() / (double) queued);
    boolean withinEvents = queued <= capacity;
    boolean withinBytes = full.queuedBytes() <= boundBytes;
    // The claim under test: the heap the queue really takes stays within the configured byte bound.
    boolean heapWithinBound = maxLive - heapEmpty <= boundBytes;
    m.put("queuedWithinQueueCapacity", withinEvents);
    m.put("estimateWithinQueueBytes", withinBytes);
    m.put("liveHeapWithinQueueBytes", heapWithinBound);
    // Whether the engine's byte accounting (sizeHint per event) covers what the queue really costs in heap.
    m.put("heapDeltaWithinEngineEstimate", delta <= full.queuedBytes());
    m.put("bindingBound", queued >= capacity - 1000 ? "queueCapacity" : "queueBytes");
    m.put("samples", samples);
    System.out.printf("%s: offered %,d (%,.0f/s), accepted %,d, refused %,d, queued %,d (bound %,d events / %,d B); "
            + "heap after GC empty %.1f MiB, full %.1f MiB, max over the run %.1f MiB, after close %.1f MiB: "
            + "%.0f B per queued event (engine estimate %.0f); live heap within queueBytes: %s%n",
        name, offered.sum(), offered.sum() / runSeconds, accepted.sum(), refused.sum(), queued, capacity,
        boundBytes, heapEmpty / 1048576.0, heapFull / 1048576.0, maxLive / 1048576.0, heapClosed / 1048576.0,
        queued == 0 ? 0.0 : delta / (double) queued, queued == 0 ? 0.0 : full.queuedBytes() / (double) queued,
        heapWithinBound);
    return m;
  }

  static long parseBytes(String s) {
    String t = s.trim();
    long mult = 1;
    if (t.endsWith("GiB")) {
      mult = 1L << 30;
    } else if (t.endsWith("MiB")) {
      mult = 1L << 20;
    } else if (t.endsWith("KiB")) {
      mult = 1L << 10;
    }
    return Long.parseLong(t.replaceAll("[^0-9]", "")) * mult;
  }

}
