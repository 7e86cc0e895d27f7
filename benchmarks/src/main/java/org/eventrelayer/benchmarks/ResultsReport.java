package org.eventrelayer.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Gathers one run's raw results (JMH's JSON files and the harnesses' JSON files in {@code --tmp}) into
 * {@code results.json}, {@code results.csv}, {@code chart.svg} and {@code summary.md} in {@code --out}.
 *
 * <p>Latency percentiles: JMH pools every sample of every fork; with several forks this class also computes each
 * fork's percentiles from JMH's raw histograms and reports their median (the headline figure), so one noisy fork on a
 * shared two-core machine does not decide the result.
 */
public final class ResultsReport {

  static final double[] PERCENTILES = {0.50, 0.99, 0.999};
  static final String[] PERCENTILE_NAMES = {"p50", "p99", "p99.9"};

  private ResultsReport() {}

  public static void main(String[] argv) throws IOException {
    Map<String, String> args = Bench.args(argv);
    Path tmp = Path.of(args.getOrDefault("tmp", "benchmarks/results/tmp"));
    Path out = Path.of(args.getOrDefault("out", "benchmarks/results"));
    Files.createDirectories(out);

    Map<String, Object> results = new LinkedHashMap<>();
    results.put("generated", Instant.now().toString());
    Path started = tmp.resolve("load-start.txt");
    results.put("measuredFrom", Files.exists(started)
        ? Files.getLastModifiedTime(started).toInstant().toString() : Instant.now().toString());
    results.put("mode", args.getOrDefault("mode", "quick"));
    results.put("command", args.getOrDefault("command", "benchmarks/run.sh"));
    results.put("builtFrom", args.getOrDefault("commit", "unknown"));
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cpus", Runtime.getRuntime().availableProcessors());
    machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    machine.put("loadAverageAtStart", readLoad(tmp.resolve("load-start.txt")));
    Object end = readLoad(tmp.resolve("load-end.txt"));
    machine.put("loadAverageAtEnd", end != null ? end : Bench.loadAverage());
    Map<String, Object> byPart = new LinkedHashMap<>();
    for (String part : List.of("latency", "http", "kafka", "memory")) {
      Object l = readLoad(tmp.resolve("load-" + part + ".txt"));
      if (l != null) {
        byPart.put(part, l);
      }
    }
    machine.put("loadAverageAtStartOfEachPart", byPart);
    results.put("machine", machine);

    List<Map<String, Object>> latency = new ArrayList<>();
    try (var files = Files.list(tmp)) {
      for (Path p : files.filter(f -> f.getFileName().toString().matches("jmh-.*\\.json")).sorted().toList()) {
        latency.addAll(latency(Bench.JSON.readTree(p.toFile())));
      }
    }
    addCallerAllocation(latency, tmp.resolve("caller-alloc.jsonl"));
    addCallerAllocation(latency, tmp.resolve("caller-alloc-coalesce.jsonl"));
    addRatiosToHealthy(latency);
    results.put("latency", latency);
    results.put("latencyTargets", latencyTargets(latency));
    results.put("http", readOrSkip(tmp.resolve("http.json")));
    results.put("kafka", readOrSkip(tmp.resolve("kafka.json")));
    results.put("memory", readOrSkip(tmp.resolve("memory.json")));

    Bench.writeJson(out.resolve("results.json").toString(), results);
    Files.writeString(out.resolve("results.csv"), csv(results));
    Files.writeString(out.resolve("chart.svg"), SvgChart.render(results));
    String md = Summary.markdown(results);
    Files.writeString(out.resolve("summary.md"), md);
    System.out.println("wrote " + out.resolve("results.csv") + ", " + out.resolve("chart.svg") + ", "
        + out.resolve("summary.md"));
    System.out.println();
    System.out.println(md);
  }

  private static Object readLoad(Path p) {
    try {
      String[] f = Files.readString(p).trim().split("\\s+");
      return List.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Object readOrSkip(Path p) throws IOException {
    if (Files.exists(p)) {
      return Bench.JSON.readValue(p.toFile(), Map.class);
    }
    Path skipped = Path.of(p.toString().replaceAll("\\.json$", ".skipped"));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("skipped", Files.exists(skipped) ? Files.readString(skipped).trim() : "not run");
    return m;
  }

  /** One row per JMH benchmark result: call, endpoint, threads, percentiles, allocation. */
  static List<Map<String, Object>> latency(JsonNode jmh) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (JsonNode b : jmh) {
      String bench = b.path("benchmark").asText();
      String method = bench.substring(bench.lastIndexOf('.') + 1);
      Map<String, Object> row = new LinkedHashMap<>();
      String coalesce = b.path("params").path("coalesce").asText("off");
      row.put("call", (method.equals("notifyOneUrl") ? "notify (1 URL)"
          : method.equals("notifyMultiHundredUrls") ? "notifyMulti (100 URLs)" : method)
          + (coalesce.equals("on") ? ", coalesce on (repeated URLs: mostly the coalescing path)" : ""));
      row.put("benchmark", method);
      row.put("endpoint", b.path("params").path("endpoint").asText());
      row.put("coalesce", coalesce);
      row.put("threads", b.path("threads").asInt());
      JsonNode pm = b.path("primaryMetric");
      JsonNode hist = pm.path("rawDataHistogram");
      int forks = hist.size();
      row.put("forks", forks);
      long samples = 0;
      List<List<double[]>> perFork = new ArrayList<>();
      for (JsonNode fork : hist) {
        List<double[]> pts = new ArrayList<>();
        for (JsonNode iteration : fork) {
          for (JsonNode pair : iteration) {
            pts.add(new double[] {pair.get(0).asDouble(), pair.get(1).asDouble()});
            samples += pair.get(1).asLong();
          }
        }
        perFork.add(pts);
      }
      row.put("samples", samples);
      Map<String, Object> pooled = new LinkedHashMap<>();
      pooled.put("p50", pm.path("scorePercentiles").path("50.0").asDouble());
      pooled.put("p99", pm.path("scorePercentiles").path("99.0").asDouble());
      pooled.put("p99.9", pm.path("scorePercentiles").path("99.9").asDouble());
      for (int i = 0; i < PERCENTILES.length; i++) {
        List<Double> values = new ArrayList<>();
        for (List<double[]> pts : perFork) {
          values.add(percentile(pts, PERCENTILES[i]));
        }
        row.put(PERCENTILE_NAMES[i] + "Ns", forks > 1 ? Bench.median(values) : pooled.get(PERCENTILE_NAMES[i]));
        if (forks > 1) {
          row.put(PERCENTILE_NAMES[i] + "PerForkNs", values);
        }
      }
      row.put("pooledNs", pooled);
      JsonNode alloc = null;
      for (Iterator<String> it = b.path("secondaryMetrics").fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (name.endsWith("gc.alloc.rate.norm")) {
          alloc = b.path("secondaryMetrics").get(name);
        }
      }
      // JMH's gc.alloc.rate.norm: every thread's allocation (worker, OkHttp, intake too) divided by the calls.
      row.put("jvmAllocBytesPerCall", alloc == null ? null : alloc.path("score").asDouble());
      rows.add(row);
    }
    return rows;
  }

  /** The calling threads' own allocation per call, from NotifyLatencyBenchmark's per-iteration lines. */
  private static void addCallerAllocation(List<Map<String, Object>> rows, Path file) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    Map<String, long[]> sums = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = Bench.JSON.readTree(line);
      String key = n.path("benchmark").asText() + "/" + n.path("endpoint").asText() + "/" + n.path("threads").asInt();
      long[] s = sums.computeIfAbsent(key, k -> new long[2]);
      s[0] += n.path("bytes").asLong();
      s[1] += n.path("calls").asLong();
    }
    boolean coalesceFile = file.getFileName().toString().contains("coalesce");
    for (Map<String, Object> r : rows) {
      if ("on".equals(r.get("coalesce")) != coalesceFile) {
        continue;
      }
      long[] s = sums.get(r.get("benchmark") + "/" + r.get("endpoint") + "/" + r.get("threads"));
      if (s != null && s[1] > 0) {
        r.put("callerAllocBytesPerCall", s[0] / (double) s[1]);
      }
    }
  }

  /** Nearest-rank percentile of a histogram given as (value, count) points. */
  static double percentile(List<double[]> points, double p) {
    List<double[]> s = new ArrayList<>(points);
    s.sort((a, b) -> Double.compare(a[0], b[0]));
    double total = 0;
    for (double[] x : s) {
      total += x[1];
    }
    double rank = Math.ceil(p * total);
    double seen = 0;
    for (double[] x : s) {
      seen += x[1];
      if (seen >= rank) {
        return x[0];
      }
    }
    return s.isEmpty() ? Double.NaN : s.get(s.size() - 1)[0];
  }

  private static void addRatiosToHealthy(List<Map<String, Object>> rows) {
    for (Map<String, Object> r : rows) {
      for (Map<String, Object> h : rows) {
        if ("healthy".equals(h.get("endpoint")) && h.get("benchmark").equals(r.get("benchmark"))
            && h.get("threads").equals(r.get("threads")) && h.get("coalesce").equals(r.get("coalesce"))) {
          Map<String, Object> ratio = new LinkedHashMap<>();
          for (String n : PERCENTILE_NAMES) {
            ratio.put(n, (double) r.get(n + "Ns") / (double) h.get(n + "Ns"));
          }
          r.put("ratioToHealthy", ratio);
        }
      }
    }
  }

  /** Issue 3's targets for notify (1 URL), single thread: p50 < 2 µs, p99 < 20 µs, closed/hung within 1.5x. */
  private static Map<String, Object> latencyTargets(List<Map<String, Object>> rows) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("rule", "notify (1 URL), 1 thread: p50 < 2000 ns and p99 < 20000 ns in every state; closed and hung "
        + "p50/p99 within 1.5x of healthy");
    boolean all = true;
    boolean any = false;
    for (Map<String, Object> r : rows) {
      if (!"notifyOneUrl".equals(r.get("benchmark")) || !Integer.valueOf(1).equals(r.get("threads"))
          || "on".equals(r.get("coalesce"))) {
        continue;
      }
      any = true;
      double p50 = (double) r.get("p50Ns");
      double p99 = (double) r.get("p99Ns");
      boolean ok = p50 < 2000 && p99 < 20000;
      @SuppressWarnings("unchecked")
      Map<String, Object> ratio = (Map<String, Object>) r.get("ratioToHealthy");
      if (ratio != null && !"healthy".equals(r.get("endpoint"))) {
        ok &= (double) ratio.get("p50") <= 1.5 && (double) ratio.get("p99") <= 1.5;
      }
      t.put((String) r.get("endpoint"), ok);
      all &= ok;
    }
    t.put("met", any && all);
    return t;
  }

  static String csv(Map<String, Object> results) {
    StringBuilder sb = new StringBuilder("section,name,endpoint,threads,metric,value,unit\n");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> latency = (List<Map<String, Object>>) results.get("latency");
    for (Map<String, Object> r : latency) {
      String prefix = "latency," + r.get("benchmark") + ("on".equals(r.get("coalesce")) ? "+coalesce" : "") + ","
          + r.get("endpoint") + "," + r.get("threads") + ",";
      for (String n : PERCENTILE_NAMES) {
        sb.append(prefix).append(n).append(',').append(num(r.get(n + "Ns"))).append(",ns\n");
      }
      if (r.get("callerAllocBytesPerCall") != null) {
        sb.append(prefix).append("callerAlloc,").append(num(r.get("callerAllocBytesPerCall"))).append(",B/call\n");
      }
      if (r.get("jvmAllocBytesPerCall") != null) {
        sb.append(prefix).append("jvmAlloc,").append(num(r.get("jvmAllocBytesPerCall"))).append(",B/call\n");
      }
    }
    for (String side : List.of("http", "kafka")) {
      Map<String, Object> d = Summary.comparison(results, side);
      if (d == null) {
        continue;
      }
      sb.append("throughput,").append(side).append(",,,plain,").append(num(d.get("plainEventsPerSecondMedian")))
          .append(",events/s\n");
      sb.append("throughput,").append(side).append(",,,relayer,")
          .append(num(d.get("relayerEventsPerSecondMedian"))).append(",events/s\n");
      sb.append("throughput,").append(side).append(",,,ratio,").append(num(d.get("ratioOfMedians")))
          .append(",x\n");
    }
    if (results.get("http") instanceof Map<?, ?> http && http.get("cases") instanceof List<?> cases) {
      for (Object o : cases) {
        Map<?, ?> c = (Map<?, ?>) o;
        Map<?, ?> d = (Map<?, ?>) c.get("comparison");
        String prefix = "throughput,http-" + c.get("case") + ",,,";
        sb.append(prefix).append("plain,").append(num(d.get("plainEventsPerSecondMedian"))).append(",events/s\n");
        sb.append(prefix).append("relayer,").append(num(d.get("relayerEventsPerSecondMedian")))
            .append(",events/s\n");
        sb.append(prefix).append("ratio,").append(num(d.get("ratioOfMedians"))).append(",x\n");
      }
    }
    for (Map<String, Object> c : Summary.memoryCases(results)) {
      if (c.get("bytesPerQueuedEvent") == null) {
        continue;
      }
      String prefix = "memory," + c.get("case") + ",closed,,";
      sb.append(prefix).append("bytesPerQueuedEvent,").append(num(c.get("bytesPerQueuedEvent"))).append(",B\n");
      sb.append(prefix).append("queued,").append(num(c.get("queued"))).append(",events\n");
      sb.append(prefix).append("heapDelta,").append(num(c.get("heapDeltaMiB"))).append(",MiB\n");
      sb.append(prefix).append("maxLiveHeap,").append(num(c.get("maxLiveHeapMiB"))).append(",MiB\n");
    }
    return sb.toString();
  }

  static String num(Object o) {
    if (o instanceof Number n) {
      double d = n.doubleValue();
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.4f", d);
    }
    return o == null ? "" : o.toString();
  }
}
