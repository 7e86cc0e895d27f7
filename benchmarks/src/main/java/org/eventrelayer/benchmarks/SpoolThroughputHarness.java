package org.eventrelayer.benchmarks;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;

/**
 * Throughput of the spool ({@code spoolDir} set) with the intake down, and how fast its backlog drains once the
 * intake is back, against memory mode.
 *
 * <p><b>Flood</b>: {@code --threads} callers (8) notify one purge per call, flat out, for {@code --seconds} (10, after 2 s of warm-up)
 * into a spool whose intake's port is closed (connection refused), {@code spool.maxBytes} 8 GiB so that the run
 * measures appends rather than a full spool. Reports purges per second (overall and the slowest second), every
 * refusal, and the heap: in use after a full GC before and after the run, and per event left unread in the spool.
 * {@code --rate N} paces the callers to N purges a second in all (each sends its share in bursts of 1,000 and
 * sleeps until the next is due), instead of flat out: whether the spool takes a given rate without a refusal when
 * the callers leave the cores to it between bursts, as a host's request threads do.
 *
 * <p><b>Drain</b>: alternately memory mode and spool mode, {@code --rounds} times (3), a fresh group fills a backlog of
 * {@code --backlog} purges (300,000; memory mode's {@code queueCapacity} holds them all, spool mode keeps its default
 * 50,000 in memory and the rest on disk) while the {@link CountingIntake} holds every request without answering
 * (longer than the 1 s request timeout), then the intake answers at once and the harness measures the delivery rate
 * from the first delivery after the switch to the last. Round 0 warms both modes up and is not counted. The ratio spool / memory is the one the issue asks about
 * (at least 0.9): of the medians, and within each round (the two modes ran back to back), with its median and
 * spread. {@code --fsync batch|interval} (batch, the default) sets {@code spool.fsync}. {@code --out file}
 * writes the results as JSON.
 */
public final class SpoolThroughputHarness {

  private static final String SERVICE = "eventgate";
  /** Purges a paced caller sends between two sleeps ({@code --rate}). */
  private static final int BURST = 1_000;

  private SpoolThroughputHarness() {}

  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int seconds = Bench.intArg(args, "seconds", 10);
    int threads = Bench.intArg(args, "threads", 8);
    int backlog = Bench.intArg(args, "backlog", 300_000);
    int rounds = Bench.intArg(args, "rounds", 3);
    String fsync = args.getOrDefault("fsync", "batch");
    int rate = Bench.intArg(args, "rate", 0);
    if (rate < 0) {
      throw new IllegalArgumentException("--rate must be at least 0 (0: flat out), was " + rate);
    }
    List<String> parts = List.of(args.getOrDefault("parts", "flood,drain").split(","));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "spool-throughput");
    out.put("loadAverageStart", Bench.loadAverage());
    out.put("environment", Bench.spoolEnvironment());
    if (parts.contains("flood")) {
      out.put("flood", flood(seconds, threads, fsync, rate));
    }
    if (parts.contains("drain")) {
      out.put("drain", drain(backlog, rounds, fsync));
    }
    out.put("loadAverageEnd", Bench.loadAverage());
    if (args.containsKey("out")) {
      Bench.writeJson(args.get("out"), out);
    }
  }

  private static Map<String, Object> engine(String url, Path spoolDir, String fsync) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "http");
    s.put("url", url);
    s.put("timeout", "1s");
    s.put(Bench.COALESCE_KEY, false); // distinct purges anyway: measure the accepting path, not coalescing
    s.put("retry.initialBackoff", "10ms");
    s.put("retry.maxBackoff", "100ms");
    s.put("breaker.waitInOpenState", "50ms");
    s.put("breaker.maxWaitInOpenState", "200ms");
    if (spoolDir != null) {
      s.put("spoolDir", spoolDir.toString());
      s.put("spool.maxBytes", "8GiB");
      s.put("spool.fsync", fsync);
    }
    return s;
  }

  // -------------------------------------------------------------------------------------------------------------

  private static Map<String, Object> flood(int seconds, int threads, String fsync, int rate) throws Exception {
    String url = Bench.closedPortUrl();
    Path dir = Files.createTempDirectory("spool-flood");
    List<List<Map<String, ?>>> pools = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      List<Map<String, ?>> pool = new ArrayList<>(1 << 16);
      for (int i = 0; i < 1 << 16; i++) {
        pool.add(Map.of("url", "https://" + PurgeEvents.DOMAIN + "/wiki/Flood_" + t + "_" + i));
      }
      pools.add(pool);
    }
    EventRelayerGroup g = Bench.purgeGroup(SERVICE, engine(url, dir, fsync));
    EventRelayer relayer = g.getRelayer(PurgeEvents.CHANNEL);
    long heapBefore = Bench.heapAfterGc();
    LongAdder accepted = new LongAdder();
    LongAdder refused = new LongAdder();
    List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> callers = new ArrayList<>();
    long burstNanos = rate == 0 ? 0 : BURST * 1_000_000_000L * threads / rate; // a caller's time for one burst
    for (int t = 0; t < threads; t++) {
      List<Map<String, ?>> pool = pools.get(t);
      Thread th = new Thread(() -> {
        int i = 0;
        long due = System.nanoTime();
        while (!stop.get()) {
          if (burstNanos > 0 && i % BURST == 0) {
            due += burstNanos;
            LockSupport.parkNanos(due - System.nanoTime()); // behind schedule: no sleep, the next burst at once
          }
          RelayResult r = relayer.notify(PurgeEvents.CHANNEL, pool.get(i++ & 0xFFFF));
          if (r.accepted() == 1) {
            accepted.increment();
          } else {
            refused.increment();
            if (refusals.size() < 5) {
              refusals.add(r.refused().toString());
            }
          }
        }
      }, "flood-" + t);
      callers.add(th);
    }
    callers.forEach(Thread::start);
    Thread.sleep(2_000); // warm-up: the callers' code compiled, the spool's thread ahead of them; not counted
    long start = System.nanoTime();
    long first = accepted.sum();
    long refusedInWarmUp = refused.sum();
    List<Long> perSecond = new ArrayList<>();
    long last = first;
    for (int s = 1; s <= seconds; s++) {
      Thread.sleep(Math.max(0, (start + s * 1_000_000_000L - System.nanoTime()) / 1_000_000));
      long now = accepted.sum();
      perSecond.add(now - last);
      last = now;
    }
    long measured = last - first;
    double took = (System.nanoTime() - start) / 1e9;
    stop.set(true);
    for (Thread th : callers) {
      th.join();
    }
    ServiceStats s = g.serviceStats().get(SERVICE);
    long heapAfter = Bench.heapAfterGc();
    long unread = s.spooled();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("threads", threads);
    r.put("rate", rate == 0 ? "flat out" : rate);
    r.put("seconds", took);
    r.put("accepted", measured);
    r.put("purgesPerSecond", measured / took);
    r.put("acceptedWithWarmUp", accepted.sum());
    r.put("slowestSecond", perSecond.stream().mapToLong(Long::longValue).min().orElse(0));
    r.put("perSecond", perSecond);
    r.put("refused", refused.sum());
    r.put("refusedInWarmUp", refusedInWarmUp);
    r.put("refusals", refusals);
    r.put("spoolBytes", directoryBytes(dir));
    r.put("unreadInSpool", unread);
    r.put("heapBeforeMiB", heapBefore >> 20);
    r.put("heapAfterMiB", heapAfter >> 20);
    r.put("heapBytesPerUnreadEvent", (heapAfter - heapBefore) / (double) Math.max(1, unread));
    System.out.printf("flood: %d threads (%s), %.1f s: %s (slowest second %,d), refused %,d (%,d of them in the 2 s"
            + " warm-up) %s; spool %,d MiB, %,d unread; heap after GC %,d -> %,d MiB: %.1f B per unread event%n",
        threads,
        rate == 0 ? "flat out" : "paced to " + Bench.rate(rate), took,
        Bench.rate(measured / took), r.get("slowestSecond"), refused.sum(), refusedInWarmUp,
        refusals.isEmpty() ? "" : refusals.get(0),
        directoryBytes(dir) >> 20, unread, heapBefore >> 20, heapAfter >> 20, r.get("heapBytesPerUnreadEvent"));
    g.close(Duration.ofSeconds(2));
    Bench.discardSpool(dir);
    return r;
  }

  // -------------------------------------------------------------------------------------------------------------

  private static Map<String, Object> drain(int backlog, int rounds, String fsync) throws Exception {
    List<Double> memory = new ArrayList<>();
    List<Double> spool = new ArrayList<>();
    List<Double> pairs = new ArrayList<>(); // spool / memory within each round: the two ran back to back
    List<Object> runs = new ArrayList<>();
    for (int round = 0; round <= rounds; round++) { // round 0 warms both modes up and is not counted
      for (String mode : round % 2 == 0 ? List.of("memory", "spool") : List.of("spool", "memory")) {
        Map<String, Object> run = drainOnce(mode, backlog, fsync);
        run.put("round", round);
        runs.add(run);
        if (round == 0) {
          continue;
        }
        (mode.equals("memory") ? memory : spool).add((Double) run.get("deliveredPerSecond"));
      }
      if (round > 0) {
        pairs.add(spool.get(spool.size() - 1) / memory.get(memory.size() - 1));
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("backlog", backlog);
    r.put("fsync", fsync);
    r.put("memoryMedian", Bench.median(memory));
    r.put("spoolMedian", Bench.median(spool));
    r.put("ratio", Bench.median(spool) / Bench.median(memory));
    r.put("pairRatios", pairs);
    r.put("pairRatioMedian", Bench.median(pairs));
    r.put("runs", runs);
    System.out.printf("drain of %,d purges, delivered (medians): memory %s, spool %s; spool / memory %.2fx; "
        + "per round %s, median %.2fx, %.2fx to %.2fx%n", backlog, Bench.rate(Bench.median(memory)),
        Bench.rate(Bench.median(spool)), r.get("ratio"), pairs.stream().map(x -> String.format("%.2f", x)).toList(),
        Bench.median(pairs), pairs.stream().mapToDouble(x -> x).min().orElse(0),
        pairs.stream().mapToDouble(x -> x).max().orElse(0));
    return r;
  }

  private static Map<String, Object> drainOnce(String mode, int backlog, String fsync) throws Exception {
    Path dir = mode.equals("spool") ? Files.createTempDirectory("spool-drain") : null;
    try (CountingIntake intake = CountingIntake.start()) {
      intake.answerDelay(Duration.ofSeconds(3)); // down: every request outlives its 1 s timeout
      Map<String, Object> service = engine(intake.url().toString(), dir, fsync);
      if (dir == null) {
        service.put("queueCapacity", backlog + 10_000);
        service.put("queueBytes", "4GiB");
      }
      EventRelayerGroup g = Bench.purgeGroup(SERVICE, service);
      EventRelayer relayer = g.getRelayer(PurgeEvents.CHANNEL);
      List<List<Map<String, ?>>> calls = PurgeEvents.calls(PurgeEvents.distinctUrls(backlog, "Drain_" + mode), 100);
      for (List<Map<String, ?>> call : calls) {
        RelayResult r = relayer.notifyMulti(PurgeEvents.CHANNEL, call);
        if (!r.allAccepted()) {
          throw new IllegalStateException(mode + ": refused while filling: " + r.refused().get(0));
        }
      }
      Thread.sleep(1_500); // the requests in flight time out; the backlog is complete
      long deliveredAtSwitch = g.serviceStats().get(SERVICE).delivered();
      intake.answerDelay(Duration.ZERO);
      long first = 0;
      long firstCount = 0;
      long deadline = System.nanoTime() + 300_000_000_000L;
      long delivered;
      while ((delivered = g.serviceStats().get(SERVICE).delivered()) < backlog && System.nanoTime() < deadline) {
        if (first == 0 && delivered > deliveredAtSwitch) {
          first = System.nanoTime();
          firstCount = delivered;
        }
        Thread.sleep(2);
      }
      long end = System.nanoTime();
      double rate = (delivered - firstCount) / ((end - first) / 1e9);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("mode", mode);
      r.put("delivered", delivered);
      r.put("deliveredPerSecond", rate);
      r.put("intakeEvents", intake.events());
      System.out.printf("  drain %-6s: %,d delivered, %s from the first delivery after the switch%n", mode,
          delivered, Bench.rate(rate));
      g.close(Duration.ofSeconds(5));
      return r;
    } finally {
      if (dir != null) {
        Bench.discardSpool(dir);
      }
    }
  }

  /**
   * The bytes of the regular files under {@code dir}. The spool's thread creates segments as {@code .tmp} files and
   * renames them while this walks: a file gone between listing and reading is skipped, not a failed run.
   */
  private static long directoryBytes(Path dir) throws IOException {
    long[] total = {0};
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) {
          total[0] += attrs.size();
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
    return total[0];
  }

}
