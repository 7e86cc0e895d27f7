package org.eventrelayer.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The Markdown tables of a run (benchmarks/results/summary.md), ready to paste into the README. */
final class Summary {

  private Summary() {}

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> results) {
    StringBuilder sb = new StringBuilder();
    Map<String, Object> machine = (Map<String, Object>) results.get("machine");
    sb.append("Measured from ").append(results.get("measuredFrom")).append(" with `").append(results.get("command"))
        .append("` (").append(results.get("mode")).append(" mode, built from ").append(results.get("builtFrom"))
        .append(") on ").append(machine.get("cpus"))
        .append(" CPUs, ").append(machine.get("java")).append("; load average (1/5/15 min) at the start of each "
            + "part ").append(machine.get("loadAverageAtStartOfEachPart")).append(" (the run's own threads count "
            + "too: 8 JMH callers make it 8), at the end ").append(machine.get("loadAverageAtEnd")).append(".\n\n");

    List<Map<String, Object>> latency = (List<Map<String, Object>>) results.get("latency");
    if (!latency.isEmpty()) {
      int forks = latency.stream().mapToInt(r -> ((Number) r.get("forks")).intValue()).max().orElse(1);
      sb.append("**Caller cost** (JMH sample mode, ").append(forks > 1 ? "median of " + forks + " forks' percentiles"
          : "one fork").append("; allocation per call: the calling thread's own, and in brackets the whole JVM's "
          + "from `-prof gc`, which adds the worker's event building and the intake's parsing):\n\n");
      sb.append("| call | intake | threads | p50 | p99 | p99.9 | alloc/call (JVM) | p50, p99 vs healthy |\n");
      sb.append("|---|---|---:|---:|---:|---:|---:|---|\n");
      for (Map<String, Object> r : latency) {
        Map<String, Object> ratio = (Map<String, Object>) r.get("ratioToHealthy");
        sb.append("| ").append(r.get("call")).append(" | ").append(r.get("endpoint")).append(" | ")
            .append(r.get("threads")).append(" | ").append(ns(r.get("p50Ns"))).append(" | ")
            .append(ns(r.get("p99Ns"))).append(" | ").append(ns(r.get("p99.9Ns"))).append(" | ")
            .append(bytes(r.get("callerAllocBytesPerCall"))).append(" (").append(bytes(r.get("jvmAllocBytesPerCall")))
            .append(")")
            .append(" | ").append(ratio == null || "healthy".equals(r.get("endpoint")) ? "–"
                : String.format(Locale.ROOT, "%.2fx, %.2fx", ratio.get("p50"), ratio.get("p99")))
            .append(" |\n");
      }
      Map<String, Object> t = (Map<String, Object>) results.get("latencyTargets");
      sb.append("\nIssue 3's target (").append(t.get("rule")).append("): **")
          .append(Boolean.TRUE.equals(t.get("met")) ? "met" : "not met").append("** ").append(t).append("\n\n");
    }

    sb.append("**End-to-end throughput** (median of the counted rounds, order alternating; every event counted at "
        + "the destination):\n\n");
    sb.append("| transport | plain client | relayer | ratio (median of round ratios) | A/B pairs | requests plain / "
        + "relayer | target | verified |\n");
    sb.append("|---|---:|---:|---:|---|---|---:|---|\n");
    for (String side : List.of("http", "kafka")) {
      Map<String, Object> d = comparison(results, side);
      Map<String, Object> raw = (Map<String, Object>) results.get(side);
      if (raw != null && raw.get("cases") instanceof List<?> cases) {
        for (Object o : cases) {
          Map<String, Object> c = (Map<String, Object>) o;
          throughputRow(sb, "HTTP: " + c.get("label"), (Map<String, Object>) c.get("comparison"), c.get("target"));
        }
        continue;
      }
      String label = side.equals("http") ? httpLabel(raw)
          : "Kafka: relayer `type: kafka` vs a plain KafkaProducer, same settings and broker";
      if (d == null) {
        sb.append("| ").append(label).append(" | – | – | – | – | – | – | not run: ")
            .append(raw == null ? "?" : raw.get("skipped")).append(" |\n");
        continue;
      }
      throughputRow(sb, label, d, raw.get("target"));
    }
    Map<String, Object> http = (Map<String, Object>) results.get("http");
    Map<String, Object> httpDistinct = comparison(results, "http");
    if (httpDistinct != null && httpDistinct.get("plainDefaultSocketsEventsPerSecond") != null) {
      sb.append("\nThe plain OkHttp loop uses TCP_NODELAY, as the relayer's transport does. With OkHttp's default "
          + "sockets (Nagle's algorithm on: a delayed-ACK stall per request) the same loop reached ")
          .append(rate(httpDistinct.get("plainDefaultSocketsEventsPerSecond"))).append(".\n");
    }
    if (http != null && http.get("storm") instanceof Map<?, ?> storm) {
      sb.append("\nPurge storm (").append(http.get("events")).append(" purges, each URL ").append(storm.get("repeat"))
          .append(" times; events/s counted on the purges handed to notifyMulti): ");
      for (String k : List.of("default", "coalesceOff", "coalesceOn")) {
        if (storm.get(k) instanceof Map<?, ?> s) {
          sb.append(k).append(String.format(Locale.ROOT, ": relayer %s vs plain %s (%.2fx), %,.0f events sent to "
                  + "the intake; ", rate(s.get("relayerEventsPerSecondMedian")),
              rate(s.get("plainEventsPerSecondMedian")), s.get("ratioOfMedians"),
              s.get("relayerEventsSentToIntakeMedian") instanceof Number n ? n.doubleValue() : Double.NaN));
        }
      }
      if (!Boolean.TRUE.equals(storm.get("coalesceSupported"))) {
        sb.append("the engine has no `").append(storm.get("coalesceKey")).append("` key yet.");
      }
      sb.append('\n');
    }

    List<Map<String, Object>> mem = memoryCases(results);
    if (!mem.isEmpty()) {
      sb.append("\n**Memory with the intake down** (closed port, callers notifying as fast as they can; heap in use "
          + "after a full GC):\n\n");
      sb.append("| case | bound | offered | queued | refused | heap empty → full (max over the run) "
          + "| heap per queued event (engine's estimate) | live heap ≤ queueBytes |\n");
      sb.append("|---|---|---:|---:|---:|---|---:|---|\n");
      for (Map<String, Object> c : mem) {
        if (c.get("skipped") != null || c.get("error") != null) {
          sb.append("| ").append(c.get("case")).append(" | – | – | – | – | – | – | ")
              .append(c.get("skipped") != null ? "skipped: " + c.get("skipped") : "failed: " + c.get("error"))
              .append(" |\n");
          continue;
        }
        sb.append("| ").append(c.get("case")).append(c.get("overflow") != null ? " (overflow: spool)" : "")
            .append(" | ").append(String.format(Locale.ROOT, "%,d events / %s",
                ((Number) c.get("queueCapacity")).longValue(), mib(c.get("queueBytes"))))
            .append(" | ").append(rate(c.get("offeredPerSecond")))
            .append(" | ").append(String.format(Locale.ROOT, "%,d", ((Number) c.get("queued")).longValue()))
            .append(c.get("spooled") != null ? String.format(Locale.ROOT, " (+%,d spooled)",
                ((Number) c.get("spooled")).longValue()) : "")
            .append(" | ").append(String.format(Locale.ROOT, "%,d", ((Number) c.get("refused")).longValue()))
            .append(" | ").append(String.format(Locale.ROOT, "%.1f → %.1f MiB (%.1f)", c.get("heapEmptyMiB"),
                c.get("heapFullMiB"), c.get("maxLiveHeapMiB")))
            .append(" | ").append(String.format(Locale.ROOT, "**%.0f B** (%.0f B)", c.get("bytesPerQueuedEvent"),
                c.get("engineEstimatePerEvent")))
            .append(" | ").append(Boolean.TRUE.equals(c.get("liveHeapWithinQueueBytes")) ? "yes" : "**NO**")
            .append(Boolean.TRUE.equals(c.get("queuedWithinQueueCapacity")) ? ""
                : String.format(Locale.ROOT, "; queued exceeds queueCapacity by %,d",
                    ((Number) c.get("queued")).longValue() - ((Number) c.get("queueCapacity")).longValue()))
            .append(" |\n");
      }
    }
    sb.append("\n![benchmark chart](").append("results/chart.svg").append(")\n");
    return sb.toString();
  }

  /** One row of the end-to-end table: both sides' medians, the ratios, the pairs and the request counts. */
  private static void throughputRow(StringBuilder sb, String label, Map<String, Object> d, Object target) {
    sb.append("| ").append(label).append(" | ").append(rate(d.get("plainEventsPerSecondMedian"))).append(" | ")
        .append(rate(d.get("relayerEventsPerSecondMedian"))).append(" | ")
        .append(String.format(Locale.ROOT, "**%.2fx** (%.2fx)", d.get("ratioOfMedians"),
            d.get("medianOfRoundRatios")))
        .append(" | ").append(pairs(d)).append(" | ").append(requests(d))
        .append(" | ≥ ").append(target).append("x | ")
        .append(Boolean.TRUE.equals(d.get("verified")) ? "yes" : "**NO**").append(" |\n");
  }

  /** The "distinct" comparison of the http or kafka harness, or null if it did not run. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> comparison(Map<String, Object> results, String side) {
    Object o = results.get(side);
    if (o instanceof Map<?, ?> m && m.get("distinct") instanceof Map<?, ?> d) {
      return (Map<String, Object>) d;
    }
    return null;
  }

  /** The HTTP row's label, with the batches and requests at once both sides used. */
  static String httpLabel(Map<String, Object> setup) {
    String label = "HTTP: relayer `type: http` vs a plain OkHttp client, same batches";
    if (setup == null || setup.get("batchEvents") == null) {
      return label + ", same intake";
    }
    return label + " (" + setup.get("batchEvents") + " events / " + setup.get("batchBytes") + " bytes at most, "
        + setup.get("relayerMaxInFlightRequests") + " vs " + setup.get("plainParallelRequests")
        + " request(s) at once), same intake";
  }

  /** The counted rounds' ratios, relayer over plain, in run order: {@code 0.97 / 1.02 / 0.95}. */
  @SuppressWarnings("unchecked")
  static String pairs(Map<String, Object> comparison) {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> r : (List<Map<String, Object>>) comparison.getOrDefault("rounds", List.of())) {
      if (!Boolean.TRUE.equals(r.get("warmup")) && r.get("ratio") instanceof Number n) {
        out.add(String.format(Locale.ROOT, "%.2f", n.doubleValue()));
      }
    }
    return out.isEmpty() ? "–" : String.join(" / ", out);
  }

  /** Requests of each side in the last counted round (HTTP: counted by the intake; Kafka: the producer's own). */
  @SuppressWarnings("unchecked")
  static String requests(Map<String, Object> comparison) {
    List<Map<String, Object>> rounds = (List<Map<String, Object>>) comparison.getOrDefault("rounds", List.of());
    if (rounds.isEmpty()) {
      return "–";
    }
    Map<String, Object> last = rounds.get(rounds.size() - 1);
    return count((Map<String, Object>) last.get("plain")) + " / " + count((Map<String, Object>) last.get("relayer"));
  }

  private static String count(Map<String, Object> side) {
    Object n = side == null ? null : side.getOrDefault("intakeRequests", side.get("requests"));
    return n instanceof Number v ? String.format(Locale.ROOT, "%,d", v.longValue()) : "?";
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> memoryCases(Map<String, Object> results) {
    Object o = results.get("memory");
    if (o instanceof Map<?, ?> m && m.get("cases") instanceof List<?> l) {
      return (List<Map<String, Object>>) l;
    }
    return new ArrayList<>();
  }

  static String bytes(Object o) {
    return o instanceof Number n ? String.format(Locale.ROOT, "%,.0f B", n.doubleValue()) : "–";
  }

  static String ns(Object o) {
    if (!(o instanceof Number n)) {
      return "–";
    }
    double v = n.doubleValue();
    if (v < 1_000) {
      return String.format(Locale.ROOT, "%.0f ns", v);
    }
    if (v < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f µs", v / 1e3);
    }
    return String.format(Locale.ROOT, "%.1f ms", v / 1e6);
  }

  static String rate(Object o) {
    return o instanceof Number n ? String.format(Locale.ROOT, "%,.0f ev/s", n.doubleValue()) : "–";
  }

  static String mib(Object o) {
    if (!(o instanceof Number n)) {
      return "?";
    }
    long b = n.longValue();
    return b >= 1L << 30 && b % (1L << 30) == 0 ? (b >> 30) + " GiB" : (b >> 20) + " MiB";
  }
}
