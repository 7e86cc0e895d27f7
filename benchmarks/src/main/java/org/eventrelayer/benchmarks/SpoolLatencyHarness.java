package org.eventrelayer.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;

/**
 * {@code notify} latency in memory mode and spool mode, one mode after the other in the same JVM, every call timed:
 * the companion of {@link NotifyLatencyBenchmark} for what JMH's set-up does not show. Each round gives each mode a
 * fresh group with the intake down (port closed), lets it run {@code --warmup} seconds (2), then times every call of
 * {@code --threads} callers (1) for {@code --seconds} (5), on one group and one spool for the whole time (a JMH
 * iteration starts a new spool every second, and the spool's first second, preparing its segments while callers
 * flood it, is part of its figures). The order of the modes alternates between rounds ({@code --rounds}, 3); the
 * ratio spool / memory of each percentile is given per round and as the median over the rounds. Spool mode runs
 * with the engine's defaults (as a host would), {@code spool.trackedEvents} 100,000 included: beyond it a caller's
 * future completes at once, where JMH's default keeps every future registered.
 *
 * <p>Run with a heap that holds memory mode's backlog: {@code java -Xms8g -Xmx8g -XX:+AlwaysPreTouch -cp "$LIB"
 * org.eventrelayer.benchmarks.SpoolLatencyHarness [--threads 8] [--rate N] [--out file.json]}; {@code --rate N}
 * paces each caller at N calls a second (0, the default: flat out).
 */
public final class SpoolLatencyHarness {

  private static final String SERVICE = "eventgate";
  private static final double[] PERCENTILES = {0.5, 0.9, 0.99, 0.999};

  private SpoolLatencyHarness() {}

  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int threads = Bench.intArg(args, "threads", 1);
    int seconds = Bench.intArg(args, "seconds", 5);
    int warmup = Bench.intArg(args, "warmup", 2);
    int rounds = Bench.intArg(args, "rounds", 3);
    int rate = Bench.intArg(args, "rate", 0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "spool-latency");
    out.put("threads", threads);
    out.put("ratePerCaller", rate);
    out.put("loadAverageStart", Bench.loadAverage());
    out.put("environment", Bench.spoolEnvironment());
    List<Map<String, Object>> results = new ArrayList<>();
    Map<String, List<Double>> ratios = new LinkedHashMap<>();
    for (int round = 1; round <= rounds; round++) {
      String[] order = round % 2 == 1 ? new String[] {"memory", "spool"} : new String[] {"spool", "memory"};
      Map<String, long[]> percentiles = new LinkedHashMap<>();
      for (String mode : order) {
        Map<String, Object> r = run(mode, threads, warmup, seconds, rate);
        r.put("round", round);
        results.add(r);
        percentiles.put(mode, (long[]) r.remove("percentilesNanos"));
      }
      StringBuilder line = new StringBuilder("round " + round + ": spool / memory");
      for (int i = 0; i < PERCENTILES.length; i++) {
        double ratio = percentiles.get("spool")[i] / (double) percentiles.get("memory")[i];
        ratios.computeIfAbsent(label(PERCENTILES[i]), k -> new ArrayList<>()).add(ratio);
        line.append(String.format(" %s %.2fx", label(PERCENTILES[i]), ratio));
      }
      System.out.println(line);
    }
    Map<String, Object> medians = new LinkedHashMap<>();
    StringBuilder line = new StringBuilder("median over " + rounds + " rounds, spool / memory:");
    for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
      double m = Bench.median(e.getValue());
      medians.put(e.getKey(), m);
      line.append(String.format(" %s %.2fx", e.getKey(), m));
    }
    System.out.println(line);
    out.put("runs", results);
    out.put("medianRatios", medians);
    out.put("loadAverageEnd", Bench.loadAverage());
    if (args.containsKey("out")) {
      Bench.writeJson(args.get("out"), out);
    }
  }

  private static String label(double p) {
    return "p" + (p * 100 == Math.rint(p * 100) ? String.valueOf((int) (p * 100)) : String.valueOf(p * 100));
  }

  private static Map<String, Object> run(String mode, int threads, int warmup, int seconds, int rate)
      throws Exception {
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "http");
    service.put("url", Bench.closedPortUrl());
    service.put("timeout", "2s");
    service.put("queueCapacity", NotifyLatencyBenchmark.QUEUE_CAPACITY);
    service.put("queueBytes", NotifyLatencyBenchmark.QUEUE_BYTES);
    service.put(Bench.COALESCE_KEY, false); // the pool of URLs repeats: measure accepting, not coalescing
    Path dir = null;
    if (mode.equals("spool")) {
      dir = Files.createTempDirectory("latency-spool");
      service.put("spoolDir", dir.toString());
      service.put("spool.maxBytes", "16GiB");
    }
    EventRelayerGroup group = Bench.purgeGroup(SERVICE, service);
    EventRelayer relayer = group.getRelayer(PurgeEvents.CHANNEL);
    Caller[] callers = new Caller[threads];
    CountDownLatch done = new CountDownLatch(threads);
    long start = System.nanoTime();
    long measureFrom = start + warmup * 1_000_000_000L;
    long until = measureFrom + seconds * 1_000_000_000L;
    for (int t = 0; t < threads; t++) {
      callers[t] = new Caller(relayer, t, threads, rate, measureFrom, until, done);
      Thread thread = new Thread(callers[t], "caller-" + t);
      thread.start();
    }
    // The spool's own thread, and every fault outside the callers, over the timed part only.
    Thread.sleep(Math.max(0, (measureFrom - System.nanoTime()) / 1_000_000));
    long processFaultsBefore = Bench.processPageFaults();
    long spoolCpuBefore = Bench.threadCpuNanos("-spool");
    done.await();
    long processFaults = Bench.processPageFaults() - processFaultsBefore;
    long spoolCpu = Bench.threadCpuNanos("-spool") - spoolCpuBefore;
    ServiceStats stats = group.serviceStats().get(SERVICE);
    group.close(Duration.ofMillis(300)); // leaves the backlog (memory: drops it; spool: keeps it); not measured
    if (dir != null) {
      Bench.discardSpool(dir);
    }
    System.gc();
    int n = 0;
    long faults = 0;
    long preempted = 0;
    for (Caller c : callers) {
      n += c.count;
      faults += c.pageFaults;
      preempted += c.preempted;
    }
    long[] all = new long[n];
    int at = 0;
    for (Caller c : callers) {
      System.arraycopy(c.nanos, 0, all, at, c.count);
      at += c.count;
    }
    Arrays.sort(all);
    long[] p = new long[PERCENTILES.length];
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("mode", mode);
    r.put("calls", n);
    r.put("callsPerSecond", n / (double) seconds);
    StringBuilder line = new StringBuilder(String.format("  %-6s %,11d calls (%,.0f/s)", mode, n, n / (double) seconds));
    for (int i = 0; i < PERCENTILES.length; i++) {
      p[i] = n == 0 ? 0 : all[Math.min(n - 1, (int) (n * PERCENTILES[i]))];
      r.put(label(PERCENTILES[i]) + "Nanos", p[i]);
      line.append(String.format(" %s %,d ns", label(PERCENTILES[i]), p[i]));
    }
    r.put("refused", stats.refused());
    r.put("callerPageFaults", faults);
    r.put("callerInvoluntaryContextSwitches", preempted);
    long otherFaults = processFaults - faults;
    r.put("otherPageFaults", otherFaults);
    r.put("spoolThreadCpuMillis", spoolCpu / 1_000_000);
    line.append(String.format("; callers: %,d page faults, %,d preemptions", faults, preempted));
    line.append(String.format("; other threads: %,d page faults", otherFaults));
    if (mode.equals("spool")) {
      line.append(String.format("; spool thread: %,d ms CPU", spoolCpu / 1_000_000));
    }
    System.out.println(line + (stats.refused() > 0 ? " REFUSED " + stats.refused() + ": not the accepting path" : ""));
    r.put("percentilesNanos", p);
    return r;
  }

  /**
   * One calling thread: notifies flat out, or {@code --rate} times a second (spinning between calls, as a host
   * thread busy with its own work would), timing every call once the warm-up is over.
   */
  private static final class Caller implements Runnable {
    private final EventRelayer relayer;
    private final int offset;
    /** Nanoseconds from one call's start to the next's; 0: flat out. */
    private final long gapNanos;
    private final long measureFrom;
    private final long until;
    private final CountDownLatch done;
    long[] nanos;
    int count;
    long pageFaults;
    long preempted;

    Caller(EventRelayer relayer, int index, int threads, int rate, long measureFrom, long until,
        CountDownLatch done) {
      this.relayer = relayer;
      this.offset = index * 7919;
      this.gapNanos = rate > 0 ? 1_000_000_000L / rate : 0;
      this.measureFrom = measureFrom;
      this.until = until;
      this.done = done;
      // Room for 2 million calls per second shared by the callers, so that no array grows while calls are timed.
      this.nanos = new long[(int) Math.min(1 << 28, 2_000_000L * Math.max(1, (until - measureFrom) / 1_000_000_000L)
          / threads + (1 << 16))];
    }

    @Override
    public void run() {
      try {
        List<Map<String, ?>> events = NotifyLatencyBenchmark.ONE_URL_EVENTS;
        int mask = NotifyLatencyBenchmark.ONE_URL_POOL - 1;
        int i = offset;
        long now = System.nanoTime();
        long next = now;
        while (now < measureFrom) {
          next = pace(next);
          relayer.notify(PurgeEvents.CHANNEL, events.get(i++ & mask));
          now = System.nanoTime();
        }
        long[] before = Bench.threadKernelCounters();
        while (now < until) {
          next = pace(next);
          long begin = System.nanoTime();
          relayer.notify(PurgeEvents.CHANNEL, events.get(i++ & mask));
          now = System.nanoTime();
          if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
          }
          nanos[count++] = now - begin;
        }
        long[] after = Bench.threadKernelCounters();
        if (before != null && after != null) {
          pageFaults = after[0] - before[0];
          preempted = after[1] - before[1];
        }
      } finally {
        done.countDown();
      }
    }

    /** Waits, spinning, for the moment {@code next} when paced; the moment of the call after it. */
    private long pace(long next) {
      if (gapNanos == 0) {
        return next;
      }
      while (System.nanoTime() < next) {
        Thread.onSpinWait();
      }
      return next + gapNanos;
    }
  }
}
