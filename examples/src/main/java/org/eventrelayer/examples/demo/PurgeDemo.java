package org.eventrelayer.examples.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.ConfigException;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayerStats;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.examples.demo.outbox.OutboxDemo;

/**
 * The demo: a host loop relays CDN purges through an {@link EventRelayerGroup} to a local EventGate-compatible
 * intake ({@link LocalEventGate}), which is taken down and brought up again while the host keeps notifying. A live
 * progress line shows the host's caller latency, the breaker, the queue and the deliveries; a summary at the end
 * checks that every accepted event is accounted for. {@code --url}, {@code --kafka} or {@code --config} point it at
 * a real intake or Kafka instead; {@code --help} lists the options.
 *
 * <p>Run it from the repository root with {@code mvn -q -pl examples -am verify -DskipTests -Pdemo}.
 */
public final class PurgeDemo {

  /** The channel the host purges on, as MediaWiki's. */
  static final String CHANNEL = "cdn-url-purges";
  /** The sample config for an EventGate intake; {@code ${intake.url}} is replaced. */
  static final String HTTP_CONFIG = "demo/eventrelayer.properties";
  /** The sample config for Kafka; {@code ${bootstrap.servers}} is replaced. */
  static final String KAFKA_CONFIG = "demo/eventrelayer-kafka.properties";
  /** One URL in this many is a relative URL, refused at notify, to show a refusal with its reason. */
  static final int INVALID_EVERY = 500;

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long STATS_EVERY = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long LIVE_EVERY = TimeUnit.MILLISECONDS.toNanos(200);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
  /** After the summary: what is still undelivered by then is dropped (and logged) when the group closes. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  private PurgeDemo() {}

  /**
   * Runs the demo. Exits with status 2 on a bad option or config, 1 if the summary's checks fail.
   *
   * @param args the options; see {@code --help}
   */
  public static void main(String[] args) throws IOException {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("PurgeDemo: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.println(DemoOptions.USAGE);
      return;
    }
    if (options.outbox) {
      System.exit(OutboxDemo.run(options.phase, options.rate, options.batch,
          url -> sample(HTTP_CONFIG, "intake.url", url), System.out).ok() ? 0 : 1);
      return;
    }
    DemoSummary summary;
    try {
      summary = run(options, System.out, !options.plain && System.console() != null);
    } catch (ConfigException e) {
      System.err.println("PurgeDemo: config error: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (!summary.accountingHolds() || !summary.drained()) {
      System.exit(1);
    }
  }

  /**
   * Runs the demo as {@link #main} does, printing to {@code out}, and returns its summary.
   *
   * @param live whether to rewrite one progress line in place (a console) rather than print plain lines
   */
  static DemoSummary run(DemoOptions o, PrintStream out, boolean live) throws IOException {
    LocalEventGate gate = null;
    try (Progress progress = new Progress(out, live)) {
      Properties config;
      String target;
      String source;
      if (o.embedded()) {
        gate = LocalEventGate.builder().trackIds(true).start();
        config = sample(HTTP_CONFIG, "intake.url", gate.url().toString());
        target = "a local EventGate intake at " + gate.url();
        source = HTTP_CONFIG + " (url = " + gate.url() + ")";
      } else if (o.url != null) {
        config = sample(HTTP_CONFIG, "intake.url", o.url);
        target = "the EventGate intake at " + o.url;
        source = HTTP_CONFIG + " (url = " + o.url + ")";
      } else if (o.kafka != null) {
        config = sample(KAFKA_CONFIG, "bootstrap.servers", o.kafka);
        target = "Kafka at " + o.kafka + " (topic resource-purge)";
        source = KAFKA_CONFIG + " (bootstrap.servers = " + o.kafka + ")";
      } else {
        config = new Properties();
        try (Reader r = Files.newBufferedReader(o.config, StandardCharsets.UTF_8)) {
          config.load(r);
        }
        target = "the services of " + o.config;
        source = o.config.toString();
      }
      DemoSummary summary;
      try (EventRelayerGroup group = EventRelayerGroup.fromProperties(config)) {
        if (!group.relayerNames().contains(CHANNEL)) {
          throw new ConfigException("relayers." + CHANNEL, "the demo purges on channel '" + CHANNEL
              + "': configure relayers." + CHANNEL + ".type=cdn-purge");
        }
        progress.println(String.format(Locale.ROOT,
            "eventrelayer demo: a host purges %,d URLs/s (%d per notifyMulti) on channel '%s' to %s",
            o.rate, o.batch, CHANNEL, target));
        progress.println("config: " + source + " -> " + group);
        if (gate != null) {
          progress.println(String.format(Locale.ROOT, "phases: intake up %s, DOWN %s, up again %s, then drain. "
              + "One URL in %d is relative, refused at notify on purpose.", secs(o.phase), secs(o.phase),
              secs(o.phase), INVALID_EVERY));
        } else {
          progress.println(String.format(Locale.ROOT, "phase: relay for %s, then drain. One URL in %d is relative, "
              + "refused at notify on purpose.", secs(o.phase.multipliedBy(3)), INVALID_EVERY));
        }
        summary = new Run(o, group, gate, progress).execute();
        group.close(CLOSE_TIMEOUT);
      }
      print(summary, progress, gate != null);
      return summary;
    } finally {
      if (gate != null) {
        gate.close();
      }
    }
  }

  /** Loads a sample config from the class path, replacing {@code ${key}} with {@code value}. */
  static Properties sample(String resource, String key, String value) throws IOException {
    Properties p = new Properties();
    ClassLoader loader = PurgeDemo.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("sample config not on the class path: " + resource);
      }
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
    String placeholder = "${" + key + "}";
    for (String k : p.stringPropertyNames()) {
      p.setProperty(k, p.getProperty(k).replace(placeholder, value));
    }
    return p;
  }

  // ---------------------------------------------------------------------------------------------------------

  /** One run: the host loop, the phases, the progress line and the numbers. */
  private static final class Run {
    private final DemoOptions o;
    private final EventRelayerGroup group;
    private final EventRelayer relayer;
    private final LocalEventGate gate;
    private final Progress progress;
    private final LatencyWindow window = new LatencyWindow();
    private final List<DemoSummary.Phase> phases = new ArrayList<>();
    private final String host = "demo.example.org";

    private long urls;
    private long calls;
    private boolean openWhileDown;
    private boolean openSeen;
    private Map<String, ServiceStats> stats;
    private long statsAt;
    private long shownAt;

    Run(DemoOptions o, EventRelayerGroup group, LocalEventGate gate, Progress progress) {
      this.o = o;
      this.group = group;
      this.relayer = group.getRelayer(CHANNEL);
      this.gate = gate;
      this.progress = progress;
    }

    DemoSummary execute() throws IOException {
      if (gate != null) {
        phase("up", "intake UP: purges flow", o.phase);
        gate.stop();
        phase("down", "intake DOWN: connections refused; the host keeps notifying", o.phase);
        gate.restart();
        phase("up again", "intake UP again on port " + gate.port() + ": the breaker probes, closes, the backlog drains",
            o.phase);
      } else {
        phase("relay", "relaying", o.phase.multipliedBy(3));
      }
      progress.println("--- drain: the host stops; waiting until every accepted event is final (at most "
          + secs(DRAIN_TIMEOUT) + ")");
      long drainStart = System.nanoTime();
      boolean drained = false;
      while (!drained && System.nanoTime() - drainStart < DRAIN_TIMEOUT.toNanos()) {
        drained = group.flush(Duration.ofMillis(200));
        long now = System.nanoTime();
        sample(now, true);
        show("drain", drainStart, now, false);
      }
      long drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drainStart);
      progress.clear();
      return summarize(drained, drainMillis);
    }

    /** Runs the host loop for one phase. */
    private void phase(String name, String banner, Duration length) {
      progress.println("--- " + name + " (" + secs(length) + "): " + banner);
      boolean down = gate != null && !gate.isUp();
      Histogram latencies = new Histogram();
      double interval = (double) o.batch * SECOND / o.rate;
      long start = System.nanoTime();
      long end = start + length.toNanos();
      double next = start;
      long phaseCalls = 0;
      List<Map<String, Object>> events = new ArrayList<>(o.batch);
      shownAt = start;
      while (true) {
        long now = System.nanoTime();
        if (now - end >= 0) {
          sample(now, true);
          show(name, start, now, true);
          break;
        }
        if (next - now > 0) {
          LockSupport.parkNanos((long) (next - now));
          continue;
        }
        if (now - next > SECOND) {
          next = now; // the host fell behind (a slow machine, a debugger): do not burst to catch up
        }
        events.clear();
        long timestamp = System.currentTimeMillis() / 1000; // one timestamp per batch, as MediaWiki sends
        for (int i = 0; i < o.batch; i++) {
          long n = ++urls;
          String url = n % INVALID_EVERY == 0 ? "/wiki/Page_" + n : "https://" + host + "/wiki/Page_" + n;
          events.add(Map.of("url", url, "timestamp", timestamp));
        }
        long t0 = System.nanoTime();
        relayer.notifyMulti(CHANNEL, events); // refusals are counted in relayer.stats(); the host ignores them
        long t1 = System.nanoTime();
        latencies.record(t1 - t0);
        window.record(t1, t1 - t0);
        calls++;
        phaseCalls++;
        next += interval;
        sample(t1, down);
        show(name, start, t1, false);
      }
      phases.add(new DemoSummary.Phase(name, down, phaseCalls, latencies.quantile(0.5), latencies.quantile(0.99),
          latencies.max()));
    }

    /** Reads the services' stats at most every 20 ms, noting an open breaker. */
    private void sample(long now, boolean force) {
      if (!force && stats != null && now - statsAt < STATS_EVERY) {
        return;
      }
      stats = group.serviceStats();
      statsAt = now;
      boolean down = gate != null && !gate.isUp();
      for (ServiceStats s : stats.values()) {
        if ("OPEN".equals(s.breakerState())) {
          openSeen = true;
          openWhileDown |= down;
        }
      }
    }

    /** Updates the progress line: every 200 ms live, every second plain, and at the end of a phase. */
    private void show(String phase, long phaseStart, long now, boolean phaseEnd) {
      long every = progress.live() ? LIVE_EVERY : SECOND;
      if (now - shownAt < (phaseEnd ? every / 10 : every)) {
        return;
      }
      shownAt = now;
      long[] q = window.quantiles(now - SECOND, 0.5, 0.99);
      long queued = 0;
      long delivered = 0;
      long spooled = 0;
      StringJoiner breakers = new StringJoiner(",");
      for (ServiceStats s : stats.values()) {
        queued += s.queued();
        delivered += s.delivered();
        spooled += s.spooled();
        breakers.add(stats.size() == 1 ? s.breakerState() : s.name() + ":" + s.breakerState());
      }
      StringBuilder line = new StringBuilder(160);
      line.append(String.format(Locale.ROOT, "%-8s %5.1fs | notifyMulti p50 %7s p99 %7s | breaker %-9s | queued %,7d",
          phase, (now - phaseStart) / 1e9, q == null ? "-" : duration(q[0]), q == null ? "-" : duration(q[1]),
          breakers, queued));
      line.append(String.format(Locale.ROOT, " | spooled %,d", spooled));
      line.append(String.format(Locale.ROOT, " | delivered %,9d | refused %,d", delivered,
          relayer.stats().refusedTotal()));
      if (gate != null) {
        line.append(String.format(Locale.ROOT, " | intake %s %,d", gate.isUp() ? "up" : "DOWN", gate.received()));
      }
      progress.update(line.toString());
    }

    private DemoSummary summarize(boolean drained, long drainMillis) {
      RelayerStats r = relayer.stats();
      Map<String, ServiceStats> end = group.serviceStats();
      long accepted = 0;
      long serviceRefused = 0;
      long delivered = 0;
      long deadLettered = 0;
      long dropped = 0;
      long coalesced = 0;
      long queued = 0;
      long inFlight = 0;
      long spooled = 0;
      long accountedFor = 0;
      long retries = 0;
      long batches = 0;
      for (ServiceStats s : end.values()) {
        accepted += s.accepted();
        serviceRefused += s.refused();
        delivered += s.delivered();
        deadLettered += s.deadLettered();
        dropped += s.dropped();
        coalesced += s.coalesced();
        queued += s.queued();
        inFlight += s.inFlight();
        spooled += s.spooled();
        accountedFor += s.accountedFor();
        retries += s.retries();
        batches += s.batches();
      }
      StringJoiner breakers = new StringJoiner(", ");
      end.values().forEach(s -> breakers.add(end.size() == 1 ? s.breakerState() : s.name() + " " + s.breakerState()));
      Map<RefusalReason, Long> refused = new EnumMap<>(RefusalReason.class);
      refused.putAll(r.refused());
      return new DemoSummary(urls, calls, r.accepted(), refused, accepted, serviceRefused, delivered, deadLettered, dropped, coalesced,
          queued, inFlight, spooled, accountedFor, retries, batches, gate != null ? openWhileDown : openSeen,
          breakers.toString(),
          gate == null ? -1 : gate.received(), gate == null ? -1 : gate.duplicates(), List.copyOf(phases), drained,
          drainMillis);
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private static void print(DemoSummary s, Progress p, boolean embedded) {
    p.println("");
    p.println("=== summary");
    p.println(String.format(Locale.ROOT, "host sent        %,d URLs in %,d notifyMulti calls", s.sent(), s.calls()));
    p.println(String.format(Locale.ROOT, "accepted         %,d", s.accepted()));
    StringJoiner reasons = new StringJoiner(", ");
    s.refused().forEach((reason, n) -> reasons.add(reason.code() + " " + String.format(Locale.ROOT, "%,d", n)));
    p.println(String.format(Locale.ROOT, "refused          %,d at notify%s", s.refusedTotal(),
        s.refused().isEmpty() ? "" : " (" + reasons + ")"
            + (s.refused().keySet().equals(Set.of(RefusalReason.INVALID_URL))
            ? ": the relative URLs the host sent on purpose" : "")));
    // The relayer counts every refusal the host saw; the service's own ServiceStats.refused (in its close log
    // line) counts only those of its queue, so the two differ when the relayer refuses invalid input.
    p.println(String.format(Locale.ROOT, "                 of which refused by the event service (ServiceStats.refused: "
        + "queue full, too large): %,d", s.serviceRefused()));
    p.println(String.format(Locale.ROOT, "delivered        %,d in %,d requests (%,d events re-sent after a failure)",
        s.delivered(), s.batches(), s.retries()));
    p.println(String.format(Locale.ROOT, "dead-lettered    %,d", s.deadLettered()));
    p.println(String.format(Locale.ROOT, "dropped          %,d", s.dropped()));
    if (s.intakeReceived() >= 0) {
      p.println(String.format(Locale.ROOT, "intake received  %,d (%,d duplicates: at-least-once delivery may re-send "
          + "a batch whose answer was lost)", s.intakeReceived(), s.intakeDuplicates()));
    }
    p.println(String.format(Locale.ROOT, "breaker          %s; %s at the end", s.breakerOpenedWhileDown()
        ? (embedded ? "opened while the intake was down" : "opened during the run")
        : (embedded ? "did NOT open while the intake was down" : "never seen open"), s.breakerAtEnd()));
    p.println("caller latency of notifyMulti (measured around each call on the host thread):");
    for (DemoSummary.Phase ph : s.phases()) {
      p.println(String.format(Locale.ROOT, "  %-9s %-5s %,7d calls  p50 %7s  p99 %7s  max %7s%s", ph.name(),
          ph.intakeDown() ? "DOWN" : (embedded ? "up" : ""), ph.calls(), duration(ph.p50Nanos()),
          duration(ph.p99Nanos()), duration(ph.maxNanos()),
          ph == s.phases().get(0) ? "  (includes JVM warm-up)" : ""));
    }
    long downMax = s.phases().stream().filter(DemoSummary.Phase::intakeDown)
        .mapToLong(DemoSummary.Phase::maxNanos).max().orElse(-1);
    long upMax = s.phases().stream().filter(ph -> !ph.intakeDown()).skip(1)
        .mapToLong(DemoSummary.Phase::maxNanos).max().orElse(-1);
    if (downMax >= 0 && upMax >= 0) {
      p.println("  max while the intake was down: " + duration(downMax) + "; while up (after warm-up): "
          + duration(upMax));
    }
    p.println(String.format(Locale.ROOT, "accounting       accepted %,d %s delivered %,d + dead-lettered %,d + "
            + "dropped %,d + coalesced %,d + queued %,d + in flight %,d + spooled %,d: %s", s.serviceAccepted(),
        s.accountingHolds() ? "==" : "!=", s.delivered(), s.deadLettered(), s.dropped(), s.coalesced(), s.queued(),
        s.inFlight(), s.spooled(), s.accountingHolds() ? "OK" : "MISMATCH"));
    p.println(String.format(Locale.ROOT, "drain            %s in %s", s.drained() ? "done" : "NOT finished",
        secs(Duration.ofMillis(s.drainMillis()))));
  }

  /** A duration for the progress line: {@code 850ns}, {@code 12us}, {@code 3.4ms}, {@code 1.20s}. */
  static String duration(long nanos) {
    if (nanos < 1_000) {
      return nanos + "ns";
    }
    if (nanos < 100_000) {
      return String.format(Locale.ROOT, "%.1fus", nanos / 1e3);
    }
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.0fus", nanos / 1e3);
    }
    if (nanos < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.1fms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2fs", nanos / 1e9);
  }

  private static String secs(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}
