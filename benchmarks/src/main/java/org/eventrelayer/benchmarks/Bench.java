package org.eventrelayer.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;

/** Small helpers shared by the harnesses: arguments, medians, machine load, heap after GC, feature probes, JSON. */
public final class Bench {

  public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The engine key that turns on coalescing of identical queued events (override: -Dbench.coalesceKey=...). */
  public static final String COALESCE_KEY = System.getProperty("bench.coalesceKey", "coalesce");
  /** The engine key of the per-service rate limit (override: -Dbench.rateLimitKey=...). */
  public static final String RATE_LIMIT_KEY = System.getProperty("bench.rateLimitKey", "rateLimit");

  private Bench() {}

  /**
   * Keeps slf4j-simple at WARN for the relayer and Kafka (the examples jar asks for the engine's INFO lines), unless
   * set on the command line. Call first thing in a main, before any logger exists.
   */
  public static void quietLogs() {
    for (String logger : List.of("org.eventrelayer", "org.eventrelayer.core.DeliveryEngine", "org.apache.kafka",
        "kafka", "state.change.logger", "org.apache.zookeeper")) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "warn");
      }
    }
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
  }

  /** {@code --name value} pairs (and bare {@code --flag}s as "true"). */
  public static Map<String, String> args(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      String name = a.substring(2);
      int eq = name.indexOf('=');
      if (eq >= 0) {
        out.put(name.substring(0, eq), name.substring(eq + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        out.put(name, args[++i]);
      } else {
        out.put(name, "true");
      }
    }
    return out;
  }

  public static int intArg(Map<String, String> args, String name, int dflt) {
    String v = args.get(name);
    return v == null ? dflt : Integer.parseInt(v.replace("_", ""));
  }

  public static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(values);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** The 1, 5 and 15 minute load averages (Linux), or an empty list elsewhere. */
  public static List<Double> loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return List.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
    } catch (IOException | RuntimeException e) {
      double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      return l < 0 ? List.of() : List.of(l);
    }
  }

  /** Heap in use right after a full collection, in bytes (collects until the figure settles). */
  public static long heapAfterGc() {
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (i > 0 && Math.abs(last - used) < (1 << 20)) {
        return Math.min(last, used);
      }
      last = used;
    }
    return last;
  }

  /**
   * Whether the engine knows {@code key} (e.g. the coalescing switch, which is being added): builds and closes a
   * group with the key on an HTTP service whose URL is never called (nothing is notified).
   */
  @SuppressWarnings("try") // building the group is the probe; it is only closed
  public static boolean engineSupports(String key, Object value) {
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "http");
    service.put("url", "http://127.0.0.1:9/v1/events");
    service.put(key, value);
    try (EventRelayerGroup g = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(PurgeEvents.CHANNEL, PurgeEvents.relayerEntry()),
        "eventServices", Map.of("probe", service)))) {
      return true;
    } catch (ConfigException e) {
      return false;
    }
  }

  /** A stats component by name ({@code coalesced}, {@code spooled}, ...) if this build's ServiceStats has it. */
  public static Long optionalStat(ServiceStats stats, String component) {
    for (RecordComponent c : ServiceStats.class.getRecordComponents()) {
      if (c.getName().equals(component)) {
        try {
          Object v = c.getAccessor().invoke(stats);
          return v instanceof Number n ? n.longValue() : null;
        } catch (ReflectiveOperationException e) {
          return null;
        }
      }
    }
    return null;
  }

  /** The stats as a map (every component of this build's ServiceStats). */
  public static Map<String, Object> statsMap(ServiceStats stats) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (RecordComponent c : ServiceStats.class.getRecordComponents()) {
      try {
        Object v = c.getAccessor().invoke(stats);
        m.put(c.getName(), v instanceof Instant || v instanceof Duration ? v.toString() : v);
      } catch (ReflectiveOperationException e) {
        m.put(c.getName(), "?");
      }
    }
    return m;
  }

  /**
   * Lets a just-built client or group finish starting (threads, first class loading) before the clock starts: a host
   * builds its group once, at start-up, so start-up is not part of what the end-to-end harnesses measure.
   */
  public static void settle() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until no mapping of a file under {@code dir} is left in this process, and only then does the kernel free
   * their pages (a gigabyte or more after a second of flood): a closed spool unmaps its segments itself (since
   * 2026-12-03; what it leaves, a window still being written at the close, the collector's cleaner unmaps). A harness
   * that measures again right away would measure that work as its next tail. Returns after 30 s whatever happens,
   * saying so; a no-op where {@code /proc/self/maps} does not exist.
   */
  public static void awaitUnmapped(Path spoolDir) {
    String dir = spoolDir.toString();
    Path maps = Path.of("/proc/self/maps");
    if (!Files.isReadable(maps)) {
      return;
    }
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    try {
      while (Files.readString(maps).contains(dir)) {
        if (System.nanoTime() > deadline) {
          System.out.println("  [segments of " + dir + " are still mapped 30 s after the spool closed]");
          return;
        }
        System.gc();
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The calling thread's minor page faults and involuntary context switches (from {@code /proc/thread-self}), or
   * {@code null} off Linux: besides the code, what makes a latency tail.
   */
  public static long[] threadKernelCounters() {
    try {
      long minorFaults = minorFaults(Path.of("/proc/thread-self/stat"));
      long involuntary = -1;
      for (String l : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
        if (l.startsWith("nonvoluntary_ctxt_switches:")) {
          involuntary = Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
        }
      }
      return new long[] {minorFaults, involuntary};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The process's minor page faults so far, all its threads (from {@code /proc/self/stat}), or 0 off Linux. */
  public static long processPageFaults() {
    try {
      return minorFaults(Path.of("/proc/self/stat"));
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Field 10 (minflt) of a {@code /proc} {@code stat} file, counted after the command name, which may hold spaces. */
  private static long minorFaults(Path stat) throws IOException {
    String line = Files.readString(stat);
    return Long.parseLong(line.substring(line.lastIndexOf(')') + 2).split(" ")[7]);
  }

  /**
   * CPU time of the live threads whose names end with {@code suffix}, in nanoseconds (0 if there is none). Reads
   * thread names without their stacks, so it stops no thread.
   */
  public static long threadCpuNanos(String suffix) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds(), 0)) {
      if (t != null && t.getThreadName().endsWith(suffix)) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  /**
   * The URL of an intake on a loopback port that was free a moment ago and is closed now: a connection to it is
   * refused, the intake-down case of the spool and memory harnesses.
   */
  public static String closedPortUrl() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return "http://127.0.0.1:" + s.getLocalPort() + CountingIntake.PATH;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A group with the purge relayer (no domain or tags) on the one event service {@code name}. */
  public static EventRelayerGroup purgeGroup(String name, Map<String, Object> service) {
    return EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(PurgeEvents.CHANNEL, Map.of("type", "cdn-purge", "stream", PurgeEvents.STREAM)),
        "eventServices", Map.of(name, service)));
  }

  /** Deletes {@code dir} and everything in it, as far as it can (a temporary directory after a run). */
  public static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      System.out.println("  [could not delete all of " + dir + ": " + e + "]"); // never hides a run's own failure
    }
  }

  /**
   * After a spool's group is closed: deletes its directory, collects, and waits until its segments are unmapped
   * ({@link #awaitUnmapped}), so that what runs next does not pay for freeing their pages.
   */
  public static void discardSpool(Path dir) {
    deleteTree(dir);
    System.gc();
    awaitUnmapped(dir);
  }

  /** Basic facts of the run, for the results file. */
  public static Map<String, Object> environment() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
    m.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
    m.put("freePageReporting", freePageReporting());
    return m;
  }

  /**
   * {@link #environment()} for a spool harness, whose tail depends on whether the machine hands free memory back to
   * its host: that line ({@code freePageReporting}) is printed first, as well as stored.
   */
  public static Map<String, Object> spoolEnvironment() {
    Map<String, Object> m = environment();
    System.out.println("free page reporting: " + m.get("freePageReporting"));
    return m;
  }

  /**
   * Whether this (virtual) machine hands free memory back to its host (Linux's virtio-balloon free page reporting),
   * and from which block size: where it does, a page the spool takes for the first time is usually a fault in the
   * host, which sets much of spool mode's tail (docs/spool.md, "2026-12-03, evening"). "absent" where the kernel
   * has no such module loaded; "off" where no free block is large enough to be reported (order above 10).
   */
  public static String freePageReporting() {
    Path params = Path.of("/sys/module/page_reporting/parameters");
    try {
      int order = Integer.parseInt(Files.readString(params.resolve("page_reporting_order")).trim());
      if (order > 10) {
        return "off (page_reporting_order " + order + ")";
      }
      Path minFree = params.resolve("min_free_ms"); // not in every kernel
      return "on: free blocks of " + ((4096L << order) >> 10) + " KiB and up"
          + (Files.isReadable(minFree) ? ", once free for " + Files.readString(minFree).trim() + " ms" : "")
          + " (page_reporting_order " + order + ")";
    } catch (IOException | NumberFormatException e) {
      return "absent";
    }
  }

  /** Writes {@code value} as indented JSON to {@code path} (creating directories), or to stdout if null. */
  public static void writeJson(String path, Object value) {
    try {
      String text = JSON.writeValueAsString(value);
      if (path == null) {
        System.out.println(text);
        return;
      }
      Path p = Path.of(path);
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
      Files.writeString(p, text + "\n");
      System.out.println("wrote " + p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String rate(double eventsPerSecond) {
    return String.format("%,.0f ev/s", eventsPerSecond);
  }
}
