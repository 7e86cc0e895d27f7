package org.eventrelayer.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small, dependency-free SVG of one run: caller latency of {@code notify} and {@code notifyMulti} per intake state
 * and thread count (log scale), and end-to-end throughput of the relayer against the plain clients.
 */
final class SvgChart {

  private static final String[] PCT = {"p50", "p99", "p99.9"};
  private static final String[] PCT_COLORS = {"#4e79a7", "#f28e2b", "#e15759"};
  private static final String PLAIN = "#9c9c9c";
  private static final String RELAYER = "#59a14f";
  private static final int W = 1020;
  private static final int H = 400;
  private static final int TOP = 90;
  private static final int BOTTOM = 320;

  private SvgChart() {}

  @SuppressWarnings("unchecked")
  static String render(Map<String, Object> results) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">%n", W, H, W, H));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    Map<String, Object> machine = (Map<String, Object>) results.get("machine");
    StringBuilder loads = new StringBuilder();
    if (machine.get("loadAverageAtStartOfEachPart") instanceof Map<?, ?> byPart) {
      byPart.forEach((k, v) -> loads.append(loads.length() == 0 ? "" : ", ").append(k).append(' ')
          .append(v instanceof List<?> l && !l.isEmpty() ? l.get(0) : v));
    }
    text(s, 12, 20, "eventrelayer benchmarks — " + results.get("mode") + " mode, " + machine.get("cpus") + " CPUs, "
        + String.valueOf(results.get("measuredFrom")).replaceAll("(T\\d\\d:\\d\\d).*", "$1") + " UTC", "start",
        13, "bold");
    text(s, 12, 37, "built from " + results.get("builtFrom") + "; 1-min load average at the start of each part: "
        + loads, "start", 10, "normal");
    legend(s, 12, 60, PCT, PCT_COLORS);
    legend(s, 750, 60, new String[] {"plain client", "relayer"}, new String[] {PLAIN, RELAYER});

    List<Map<String, Object>> latency = (List<Map<String, Object>>) results.get("latency");
    latencyPanel(s, 55, 300, "notify (1 URL): caller latency", filter(latency, "notifyOneUrl"));
    latencyPanel(s, 410, 300, "notifyMulti (100 URLs): caller latency", filter(latency, "notifyMultiHundredUrls"));
    throughputPanel(s, 750, 260, results);
    s.append("</svg>\n");
    return s.toString();
  }

  private static List<Map<String, Object>> filter(List<Map<String, Object>> rows, String bench) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int threads : new int[] {1, 8}) {
      for (String e : new String[] {"healthy", "closed", "hung"}) {
        for (Map<String, Object> r : rows) {
          if (bench.equals(r.get("benchmark")) && e.equals(r.get("endpoint")) && !"on".equals(r.get("coalesce"))
              && Integer.valueOf(threads).equals(r.get("threads"))) {
            out.add(r);
          }
        }
      }
    }
    return out;
  }

  private static void latencyPanel(StringBuilder s, int x0, int width, String title,
      List<Map<String, Object>> rows) {
    text(s, x0 + width / 2.0, TOP - 8, title, "middle", 12, "bold");
    if (rows.isEmpty()) {
      text(s, x0 + width / 2.0, (TOP + BOTTOM) / 2.0, "not measured", "middle", 11, "normal");
      return;
    }
    double min = Double.MAX_VALUE;
    double max = 0;
    for (Map<String, Object> r : rows) {
      for (String p : PCT) {
        double v = ((Number) r.get(p + "Ns")).doubleValue();
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    int lo = (int) Math.floor(Math.log10(Math.max(1, min * 0.7)));
    int hi = (int) Math.ceil(Math.log10(Math.max(10, max)));
    if (hi == lo) {
      hi++;
    }
    final int loF = lo;
    final int hiF = hi;
    java.util.function.DoubleUnaryOperator y = v ->
        BOTTOM - (Math.log10(Math.max(v, Math.pow(10, loF))) - loF) / (hiF - loF) * (BOTTOM - TOP);
    for (int d = lo; d <= hi; d++) {
      double yy = y.applyAsDouble(Math.pow(10, d));
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
          x0, yy, x0 + width, yy));
      text(s, x0 - 4, yy + 4, decade(d), "end", 10, "normal");
    }
    int groups = rows.size();
    double gw = (double) width / groups;
    double bw = Math.min(14, (gw - 8) / 3);
    for (int g = 0; g < groups; g++) {
      Map<String, Object> r = rows.get(g);
      double gx = x0 + g * gw + (gw - 3 * bw) / 2;
      for (int i = 0; i < 3; i++) {
        double v = ((Number) r.get(PCT[i] + "Ns")).doubleValue();
        double yy = y.applyAsDouble(v);
        s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            + "fill=\"%s\"><title>%s %s %d thread(s) %s: %s</title></rect>%n", gx + i * bw, yy, bw - 1,
            BOTTOM - yy, PCT_COLORS[i], r.get("call"), r.get("endpoint"), r.get("threads"), PCT[i],
            Summary.ns(v)));
      }
      text(s, x0 + g * gw + gw / 2, BOTTOM + 14, String.valueOf(r.get("endpoint")), "middle", 10, "normal");
    }
    // Thread-count labels under each half.
    int half = (groups + 1) / 2;
    text(s, x0 + half * gw / 2, BOTTOM + 30, "1 thread", "middle", 10, "italic");
    if (groups > half) {
      text(s, x0 + half * gw + (groups - half) * gw / 2, BOTTOM + 30, "8 threads", "middle", 10, "italic");
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
          + "stroke-dasharray=\"3,3\"/>%n", x0 + half * gw, TOP, x0 + half * gw, BOTTOM + 34));
    }
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", x0,
        BOTTOM, x0 + width, BOTTOM));
  }

  @SuppressWarnings("unchecked")
  private static void throughputPanel(StringBuilder s, int x0, int width, Map<String, Object> results) {
    text(s, x0 + width / 2.0, TOP - 8, "end-to-end events/s (median)", "middle", 12, "bold");
    String[] sides = {"http", "kafka"};
    String[] labels = {"HTTP (OkHttp)", "Kafka (KafkaProducer)"};
    double max = 1;
    for (String side : sides) {
      Map<String, Object> d = Summary.comparison(results, side);
      if (d != null) {
        max = Math.max(max, ((Number) d.get("plainEventsPerSecondMedian")).doubleValue());
        max = Math.max(max, ((Number) d.get("relayerEventsPerSecondMedian")).doubleValue());
      }
    }
    double gw = width / 2.0;
    double bw = 40;
    for (int g = 0; g < 2; g++) {
      double cx = x0 + g * gw + gw / 2;
      text(s, cx, BOTTOM + 14, labels[g], "middle", 10, "normal");
      Map<String, Object> d = Summary.comparison(results, sides[g]);
      if (d == null) {
        Map<String, Object> raw = (Map<String, Object>) results.get(sides[g]);
        text(s, cx, (TOP + BOTTOM) / 2.0, "not run", "middle", 11, "italic");
        if (raw != null && raw.get("skipped") != null) {
          String why = String.valueOf(raw.get("skipped"));
          text(s, cx, (TOP + BOTTOM) / 2.0 + 14, why.length() > 34 ? why.substring(0, 34) + "…" : why, "middle",
              9, "normal");
        }
        continue;
      }
      double plain = ((Number) d.get("plainEventsPerSecondMedian")).doubleValue();
      double relayer = ((Number) d.get("relayerEventsPerSecondMedian")).doubleValue();
      double[] v = {plain, relayer};
      String[] c = {PLAIN, RELAYER};
      for (int i = 0; i < 2; i++) {
        double h = v[i] / max * (BOTTOM - TOP - 20);
        double bx = cx - bw + i * bw;
        s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            + "fill=\"%s\"><title>%s</title></rect>%n", bx, BOTTOM - h, bw - 2, h, c[i], Summary.rate(v[i])));
        text(s, bx + bw / 2 - 1, BOTTOM - h - 4, compact(v[i]), "middle", 9, "normal");
      }
      Map<String, Object> raw = (Map<String, Object>) results.get(sides[g]);
      text(s, cx, BOTTOM + 28, String.format(Locale.ROOT, "%.2fx", relayer / plain), "middle", 12, "bold");
      text(s, cx, BOTTOM + 42, "target ≥ " + raw.get("target") + "x", "middle", 10, "normal");
    }
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", x0,
        BOTTOM, x0 + width, BOTTOM));
  }

  /** {@code 10^d} nanoseconds as an axis label: 100 ns, 1 µs, 10 µs, ... */
  private static String decade(int d) {
    String[] units = {"ns", "µs", "ms", "s"};
    int u = Math.min(3, Math.max(0, d / 3));
    return String.format(Locale.ROOT, "%.0f %s", Math.pow(10, d - 3 * u), units[u]);
  }

  private static String compact(double v) {
    return v >= 1e6 ? String.format(Locale.ROOT, "%.2fM", v / 1e6)
        : v >= 1e3 ? String.format(Locale.ROOT, "%.0fk", v / 1e3) : String.format(Locale.ROOT, "%.0f", v);
  }

  private static void legend(StringBuilder s, int x, int y, String[] names, String[] colors) {
    int cx = x;
    for (int i = 0; i < names.length; i++) {
      s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>%n", cx,
          y - 9, colors[i]));
      text(s, cx + 14, y, names[i], "start", 11, "normal");
      cx += 24 + names[i].length() * 7;
    }
  }

  private static void text(StringBuilder s, double x, double y, String t, String anchor, int size, String weight) {
    String style = weight.equals("italic") ? " font-style=\"italic\"" : " font-weight=\"" + weight + "\"";
    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s>%s"
        + "</text>%n", x, y, anchor, size, style, escape(t)));
  }

  private static String escape(String t) {
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
