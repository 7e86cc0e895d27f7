package org.eventrelayer.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * What {@code notify} (one URL) and {@code notifyMulti} (100 URLs) cost the caller's thread, with the HTTP intake
 * healthy, its port closed (connection refused), or hung (a socket that accepts and never answers). Sample mode
 * gives the percentiles; {@code -t 8} eight callers. Allocation per call: the calling thread's own, measured here
 * (see {@link Cursor}); {@code -prof gc} adds the whole JVM's (worker and intake included) per call.
 *
 * <p>What is measured is the <em>accepting</em> path: each iteration gets a fresh group whose queue holds
 * everything an iteration can offer, and an iteration that saw a single refusal fails the benchmark (so a
 * queue-full refusal, which is cheaper, can never pass for the cost of accepting). Heap: the queue grows during an
 * iteration while the intake is down or slower than the callers; the fork runs with a fixed 4 GiB heap, each
 * iteration's leftovers are dropped at tear-down, and a full GC runs between iterations, outside the measurement,
 * so that one iteration's backlog is not collected during the next. The tear-down prints the queue depth and the
 * heap in use, so a reader can see both.
 *
 * <p>Purge storms: the URL pools repeat (65,536 distinct single-URL events; 512 distinct calls of 100), and the engine
 * coalesces an offered purge into an equal one still queued (key {@code coalesce}, on by default). With the intake
 * down, the pools wrap and most calls would take that cheaper coalescing path, so {@code -p coalesce=off} (the
 * default here) turns it off and keeps the measured path the accepting one; {@code -p coalesce=on} measures the
 * default configuration, coalescing included; {@code -p coalesce=default} leaves the key unset. On an engine without
 * the key, {@code off} and {@code default} run without it and {@code on} fails.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-Dorg.slf4j.simpleLogger.log.org.eventrelayer=error",
    "-Dorg.slf4j.simpleLogger.log.org.eventrelayer.core.DeliveryEngine=error"})
public class NotifyLatencyBenchmark {

  /** The state of the intake. */
  @Param({"healthy", "closed", "hung"})
  public String endpoint;

  /**
   * {@code off}: memory mode; {@code on}: spool mode ({@code spoolDir} a fresh temporary directory per iteration,
   * {@code spool.maxBytes} 8 GiB so an iteration never fills it), where {@code notify} returns once the event's
   * record is in the memory-mapped spool.
   */
  @Param({"off"})
  public String spool;

  private java.nio.file.Path spoolDir;

  /**
   * With {@code spool=on}: {@code spool.trackedEvents}. The default here (10,000,000, like the queue's capacity)
   * keeps every caller's delivery future registered, the path memory mode measures; {@code 100000} (the engine's
   * default) completes the futures of most calls at once as spooled, once an iteration's backlog passes it.
   */
  @Param({"10000000"})
  public String trackedEvents;

  /**
   * With {@code spool=on}: {@code spool.fsync}. {@code batch} (the engine's default) forces before each send and
   * lets the spool's thread force ahead, so during an outage the spool writes to disk as fast as callers append;
   * {@code none} sets {@code spool.fsync: interval} with {@code spool.fsyncInterval: 10m}, so nothing is forced
   * within an iteration: the difference is what the disk writes cost the callers.
   */
  @Param({"batch"})
  public String fsync;

  /** {@code off}: coalescing disabled if the engine has the key; {@code on}: enabled; {@code default}: not set. */
  @Param({"off"})
  public String coalesce;

  /** Enough for any iteration: at most a few million events per second fit through two cores. */
  static final int QUEUE_CAPACITY = 10_000_000;
  static final String QUEUE_BYTES = "64GiB"; // the event bound is the one that matters here

  private CountingIntake intake;
  private ServerSocket hung;
  private EventRelayerGroup group;
  private EventRelayer relayer;

  /** Prebuilt input, so that the benchmark measures the relayer and not string building. */
  static final int ONE_URL_POOL = 1 << 16;
  /**
   * What the single URLs start with ({@code <prefix><i>}): by default
   * {@code https://en.example.org/wiki/Benchmark_page_} (a 128-byte spool record); {@code -jvmArgsPrepend
   * -Dbench.urlPrefix=https://e.o/} makes them 31 bytes shorter (96-byte records), to see what the spool's tail
   * owes to the bytes it writes.
   */
  static final String URL_PREFIX = System.getProperty("bench.urlPrefix", "https://en.example.org/wiki/Benchmark_page_");
  static final int CALL_POOL = 1 << 9;
  /**
   * With {@code spool=on}: {@code spool.fillThreads} if set ({@code -jvmArgsPrepend -Dbench.spoolFillThreads=4}),
   * else the engine's default; a system property rather than a parameter so that memory mode runs once.
   */
  static final String SPOOL_FILL_THREADS = System.getProperty("bench.spoolFillThreads");
  static final List<Map<String, ?>> ONE_URL_EVENTS = new ArrayList<>(ONE_URL_POOL);
  static final List<List<Map<String, ?>>> HUNDRED_URL_CALLS = new ArrayList<>(CALL_POOL);

  static {
    for (int i = 0; i < ONE_URL_POOL; i++) {
      ONE_URL_EVENTS.add(Map.of("url", URL_PREFIX + i));
    }
    for (int c = 0; c < CALL_POOL; c++) {
      List<Map<String, ?>> call = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        call.add(Map.of("url", "https://en.example.org/wiki/Page_" + c + "_" + i));
      }
      HUNDRED_URL_CALLS.add(List.copyOf(call));
    }
  }

  /**
   * Per-thread position in the prebuilt events (threads start at different places), and the caller thread's own
   * allocation per call. JMH's {@code -prof gc} divides the allocation of <em>every</em> thread of the JVM (the
   * relayer's worker building and serializing events, OkHttp, the intake parsing them) by the calls; this counts only
   * what the calling thread allocated, which is the cost {@code notify} puts on the host. It is printed per
   * measurement iteration and, with {@code -Dbench.allocFile=path}, appended to that file as JSON lines. On Linux
   * it also prints the calling thread's page faults and involuntary context switches per iteration (from
   * {@code /proc/thread-self}), the two things besides the code that make a tail.
   */
  @State(Scope.Thread)
  public static class Cursor {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int next = (int) (Thread.currentThread().getId() * 7919);
    private int startNext;
    private long startBytes;
    private long[] startKernel;

    @Setup(Level.Iteration)
    public void start() {
      startNext = next;
      startBytes = THREADS.getCurrentThreadAllocatedBytes();
      startKernel = Bench.threadKernelCounters();
    }

    @TearDown(Level.Iteration)
    public void stop(BenchmarkParams benchmark, IterationParams iteration) throws IOException {
      long bytes = THREADS.getCurrentThreadAllocatedBytes() - startBytes;
      long calls = next - startNext;
      if (iteration.getType() != IterationType.MEASUREMENT || calls <= 0) {
        return;
      }
      String method = benchmark.getBenchmark().substring(benchmark.getBenchmark().lastIndexOf('.') + 1);
      String line = String.format(java.util.Locale.ROOT,
          "{\"benchmark\":\"%s\",\"endpoint\":\"%s\",\"threads\":%d,\"bytes\":%d,\"calls\":%d}",
          method, benchmark.getParam("endpoint"), benchmark.getThreads(), bytes, calls);
      String file = System.getProperty("bench.allocFile");
      if (file != null) {
        synchronized (Cursor.class) {
          java.nio.file.Files.writeString(java.nio.file.Path.of(file), line + "\n",
              java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
      }
      if (benchmark.getThreads() == 1) {
        long[] kernel = Bench.threadKernelCounters();
        System.out.printf("  [caller thread allocated %,.0f B per call%s]%n", bytes / (double) calls,
            kernel == null || startKernel == null ? "" : String.format(java.util.Locale.ROOT,
                "; %,d page faults, %,d involuntary context switches", kernel[0] - startKernel[0],
                kernel[1] - startKernel[1]));
      }
    }
  }

  /** In spool mode, says whether the machine hands free memory back to its host ({@link Bench#freePageReporting}). */
  @Setup(Level.Trial)
  public void describeMachine() {
    if ("on".equals(spool)) {
      System.out.println("  [free page reporting: " + Bench.freePageReporting() + "]");
    }
  }

  /** Starts the endpoint and a fresh group. */
  @Setup(Level.Iteration)
  public void setUp() throws IOException {
    String url = switch (endpoint) {
      case "healthy" -> {
        intake = CountingIntake.start();
        yield intake.url().toString();
      }
      case "closed" -> Bench.closedPortUrl();
      case "hung" -> {
        hung = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress()); // accepts (backlog), never answers
        yield "http://127.0.0.1:" + hung.getLocalPort() + "/v1/events";
      }
      default -> throw new IllegalArgumentException(endpoint);
    };
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "http");
    service.put("url", url);
    service.put("timeout", "2s");
    service.put("queueCapacity", QUEUE_CAPACITY);
    service.put("queueBytes", QUEUE_BYTES);
    if (spool.equals("on")) {
      spoolDir = java.nio.file.Files.createTempDirectory("bench-spool");
      service.put("spoolDir", spoolDir.toString());
      service.put("spool.maxBytes", "8GiB");
      service.put("spool.trackedEvents", trackedEvents);
      if (SPOOL_FILL_THREADS != null) {
        service.put("spool.fillThreads", SPOOL_FILL_THREADS);
      }
      switch (fsync) {
        case "batch" -> { }
        case "none" -> {
          service.put("spool.fsync", "interval");
          service.put("spool.fsyncInterval", "10m");
        }
        default -> throw new IllegalArgumentException("fsync: batch or none, not " + fsync);
      }
    } else if (!spool.equals("off")) {
      throw new IllegalArgumentException("spool: on or off, not " + spool);
    }
    switch (coalesce) {
      case "default" -> { }
      case "on", "off" -> {
        boolean on = coalesce.equals("on");
        if (Bench.engineSupports(Bench.COALESCE_KEY, on)) {
          service.put(Bench.COALESCE_KEY, on);
        } else if (on) {
          throw new IllegalStateException("the engine has no '" + Bench.COALESCE_KEY + "' key (yet)");
        }
      }
      default -> throw new IllegalArgumentException("coalesce: default, on or off, not " + coalesce);
    }
    group = Bench.purgeGroup("eventgate", service);
    relayer = group.getRelayer(PurgeEvents.CHANNEL);
  }

  /** Closes the group and the endpoint; fails the run if anything was refused (the wrong path was measured). */
  @TearDown(Level.Iteration)
  public void tearDown() throws IOException {
    ServiceStats s = group.serviceStats().get("eventgate");
    long heapMiB = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    group.close(Duration.ofMillis(300)); // drops (and counts) the backlog; closing is not what is measured
    if (intake != null) {
      intake.close();
      intake = null;
    }
    if (hung != null) {
      hung.close();
      hung = null;
    }
    Long coalesced = Bench.optionalStat(s, "coalesced");
    System.out.printf("  [%s: accepted %,d, queued at end %,d, delivered %,d, coalesced %s, refused %,d; heap in use "
        + "%,d MiB]%n", endpoint, s.accepted(), s.queued(), s.delivered(),
        coalesced == null ? "n/a" : String.format("%,d", coalesced), s.refused(), heapMiB);
    group = null;
    relayer = null;
    if (spoolDir != null) {
      Bench.discardSpool(spoolDir); // else the kernel frees its pages during the next iteration
      spoolDir = null;
    }
    System.gc(); // collect this iteration's backlog now, not during the next measurement
    if (s.refused() > 0) {
      throw new IllegalStateException(s.refused() + " events were refused (queue full): this iteration measured "
          + "refusals, not the accepting path; raise QUEUE_CAPACITY or shorten the iteration");
    }
  }

  /** {@code notify} with one URL. */
  @Benchmark
  public RelayResult notifyOneUrl(Cursor c) {
    Map<String, ?> event = ONE_URL_EVENTS.get(c.next++ & (ONE_URL_POOL - 1));
    return relayer.notify(PurgeEvents.CHANNEL, event);
  }

  /** {@code notifyMulti} with 100 distinct URLs. */
  @Benchmark
  public RelayResult notifyMultiHundredUrls(Cursor c) {
    return relayer.notifyMulti(PurgeEvents.CHANNEL, HUNDRED_URL_CALLS.get(c.next++ & (CALL_POOL - 1)));
  }
}
