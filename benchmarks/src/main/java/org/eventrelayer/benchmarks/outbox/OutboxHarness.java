package org.eventrelayer.benchmarks.outbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.benchmarks.Bench;
import org.eventrelayer.benchmarks.CountingIntake;
import org.eventrelayer.outbox.Outbox;
import org.eventrelayer.testkit.PostgresServer;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The transactional outbox on a local PostgreSQL server (a cluster of its own, see relayer-testkit's
 * PostgresServer; durable settings unless {@code --fsync off}), three measurements:
 * <ol>
 *   <li>commit-to-intake throughput: {@code --writers} threads commit {@code --events} purges (50 per
 *       transaction) while the relay runs; events/s from the first commit until the intake counted the last one;
 *       and the relay alone draining the same number of rows committed beforehand;
 *   <li>commit-to-delivery latency, with and without the wake-up hint: one purge per transaction at 100/s, from
 *       the commit's return to the event's arrival at the intake, p50/p99/max;
 *   <li>the host's cost inside its transaction: {@code notifyMulti(tx, 10 purges)} beside the host's own
 *       single-row INSERT, in the same transactions, p50/p99;
 *   <li>two relays (two outboxes, as two hosts would run) on one table of {@code --events} committed rows: every
 *       event delivered, how many twice, each relay's share.
 * </ol>
 * Prints a summary; {@code --out FILE} also writes it as JSON.
 */
public final class OutboxHarness {

  private static final String CHANNEL = "cdn-url-purges";
  private static final int PER_TX = 50;

  private OutboxHarness() {}

  public static void main(String[] args) throws Exception {
    Bench.quietLogs();
    Map<String, String> a = Bench.args(args);
    int events = Bench.intArg(a, "events", 100_000);
    int writers = Bench.intArg(a, "writers", 2);
    int latencyEvents = Bench.intArg(a, "latency-events", 500);
    int costIterations = Bench.intArg(a, "cost-iterations", 10_000);
    boolean fsync = !"off".equals(a.get("fsync"));
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("loadAverageAtStart", loadAverage());
    results.put("fsync", fsync);
    Map<String, String> settings = new LinkedHashMap<>(Map.of("max_connections", "50", "shared_buffers", "128MB"));
    if (!fsync) {
      settings.putAll(PostgresServer.FAST);
    }
    try (PostgresServer pg = PostgresServer.start(settings)) {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setURL(pg.jdbcUrl());
      System.out.printf(Locale.ROOT, "PostgreSQL on 127.0.0.1:%d (fsync %s); load average %.2f%n", pg.port(),
          fsync ? "on" : "off", loadAverage());
      results.put("throughput", throughput(ds, events, writers));
      results.put("latencyWithHint", latency(ds, latencyEvents, true));
      results.put("latencyWithoutHint", latency(ds, latencyEvents, false));
      results.put("hostCost", hostCost(ds, costIterations));
      results.put("twoRelays", twoRelays(ds, events, writers));
    }
    results.put("loadAverageAtEnd", loadAverage());
    if (a.containsKey("out")) {
      Files.writeString(Path.of(a.get("out")), Bench.JSON.writeValueAsString(results));
    }
  }

  private static Map<String, Object> group(String url) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "http");
    s.put("url", url);
    s.put("queueCapacity", 50_000);
    s.put("maxBatchEvents", 1000);
    s.put("linger", "5ms");
    return Map.of("relayers", Map.of(CHANNEL, Map.of("type", "cdn-purge", "stream", "resource-purge")),
        "eventServices", Map.of("intake", s));
  }

  /** Commit-to-intake throughput while writers commit, then the relay alone on a backlog. */
  private static Map<String, Object> throughput(DataSource ds, int events, int writers) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    try (CountingIntake intake = CountingIntake.start();
        EventRelayerGroup group = EventRelayerGroup.fromMap(group(intake.url().toString()))) {
      Outbox outbox = Outbox.builder(ds, group).table("bench_throughput").batchSize(1000).build();
      outbox.installSchema();
      write(ds, outbox, 0, Math.min(events, 20_000), writers); // warm-up: JIT, caches, the table's first pages
      outbox.start();
      await(intake, Math.min(events, 20_000));
      long before = intake.events();
      long t0 = System.nanoTime();
      long writeNanos = write(ds, outbox, 1_000_000, events, writers);
      long lagAtLastCommit = events - (intake.events() - before);
      await(intake, before + events);
      double seconds = (System.nanoTime() - t0) / 1e9;
      out.put("events", events);
      out.put("writers", writers);
      out.put("commitsPerSecond", Math.round(events / (writeNanos / 1e9)));
      out.put("commitToIntakeEventsPerSecond", Math.round(events / seconds));
      out.put("notYetDeliveredAtLastCommit", lagAtLastCommit);
      outbox.close();
      System.out.printf(Locale.ROOT, "throughput: %,d purges committed by %d writers (%d per tx) at %,d/s; all at "
              + "the intake after %.2f s: %,d events/s commit-to-intake (%,d not yet delivered at the last commit)%n",
          events, writers, PER_TX, out.get("commitsPerSecond"), seconds, out.get("commitToIntakeEventsPerSecond"),
          lagAtLastCommit);

      Outbox backlog = Outbox.builder(ds, group).table("bench_backlog").batchSize(1000).build();
      backlog.installSchema();
      write(ds, backlog, 2_000_000, events, writers);
      long b0 = intake.events();
      long t1 = System.nanoTime();
      backlog.start();
      await(intake, b0 + events);
      double drain = (System.nanoTime() - t1) / 1e9;
      backlog.close();
      out.put("backlogDrainEventsPerSecond", Math.round(events / drain));
      System.out.printf(Locale.ROOT, "backlog: the relay alone drained %,d committed rows in %.2f s: %,d events/s%n",
          events, drain, out.get("backlogDrainEventsPerSecond"));
    }
    return out;
  }

  /** Commits {@code n} purges from {@code writers} threads, {@value #PER_TX} per transaction. @return nanos. */
  private static long write(DataSource ds, Outbox outbox, int base, int n, int writers) throws Exception {
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int w = 0; w < writers; w++) {
      int from = base + w * (n / writers);
      int count = w == writers - 1 ? n - w * (n / writers) : n / writers;
      Thread t = new Thread(() -> {
        try (Connection tx = ds.getConnection()) {
          tx.setAutoCommit(false);
          List<Map<String, Object>> purges = new ArrayList<>(PER_TX);
          for (int i = 0; i < count; i += PER_TX) {
            purges.clear();
            for (int j = i; j < Math.min(count, i + PER_TX); j++) {
              purges.add(Map.of("url", "https://bench.example.org/wiki/Page_" + (from + j)));
            }
            outbox.notifyMulti(tx, CHANNEL, purges);
            tx.commit();
          }
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        }
      }, "writer-" + w);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return System.nanoTime() - t0;
  }

  private static void await(CountingIntake intake, long events) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (intake.events() < events) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + intake.events() + " of " + events + " events arrived in 5 min");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** Commit-to-delivery latency of one purge per transaction at 100/s. */
  private static Map<String, Object> latency(DataSource ds, int n, boolean hint) throws Exception {
    Duration poll = Duration.ofSeconds(1);
    long[] committedAt = new long[n];
    try (ArrivalIntake intake = new ArrivalIntake();
        EventRelayerGroup group = EventRelayerGroup.fromMap(group(intake.url()))) {
      Outbox outbox = Outbox.builder(ds, group).table("bench_latency_" + (hint ? "hint" : "poll"))
          .pollInterval(poll).wakeUpHint(hint).build();
      outbox.installSchema();
      outbox.start();
      try (Connection tx = ds.getConnection()) {
        tx.setAutoCommit(false);
        long next = System.nanoTime();
        for (int i = 0; i < n; i++) {
          LockSupport.parkNanos(next - System.nanoTime());
          next += TimeUnit.MILLISECONDS.toNanos(10);
          outbox.notify(tx, CHANNEL, Map.of("url", "https://bench.example.org/wiki/Latency_" + i));
          tx.commit();
          committedAt[i] = System.nanoTime();
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (intake.count() < n && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
      outbox.close();
      long[] micros = new long[n];
      for (int i = 0; i < n; i++) {
        Long at = intake.arrival(i);
        micros[i] = at == null ? Long.MAX_VALUE : (at - committedAt[i]) / 1000;
      }
      Arrays.sort(micros);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("events", n);
      out.put("pollIntervalMillis", poll.toMillis());
      out.put("p50Millis", micros[n / 2] / 1000.0);
      out.put("p99Millis", micros[(int) (n * 0.99)] / 1000.0);
      out.put("maxMillis", micros[n - 1] / 1000.0);
      System.out.printf(Locale.ROOT, "latency %s: commit-to-delivery of %d purges (1 per tx, 100/s): p50 %.1f ms, "
              + "p99 %.1f ms, max %.1f ms (pollInterval %d ms)%n", hint ? "with the wake-up hint" : "polling only",
          n, out.get("p50Millis"), out.get("p99Millis"), out.get("maxMillis"), poll.toMillis());
      return out;
    }
  }

  /** The host's cost of notifyMulti(tx, 10 purges) beside its own single-row INSERT. */
  private static Map<String, Object> hostCost(DataSource ds, int iterations) throws Exception {
    try (CountingIntake intake = CountingIntake.start();
        EventRelayerGroup group = EventRelayerGroup.fromMap(group(intake.url().toString()));
        Connection tx = ds.getConnection()) {
      try (Statement st = tx.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS bench_page (id BIGINT PRIMARY KEY, title TEXT, rev INT)");
      }
      Outbox outbox = Outbox.builder(ds, group).table("bench_cost").build();
      outbox.installSchema();
      outbox.start();
      tx.setAutoCommit(false);
      int warmup = Math.min(2_000, iterations / 5);
      long[] insert = new long[iterations];
      long[] notify = new long[iterations];
      List<Map<String, Object>> purges = new ArrayList<>(10);
      try (PreparedStatement save = tx.prepareStatement("INSERT INTO bench_page VALUES (?, ?, ?)")) {
        for (int i = -warmup; i < iterations; i++) {
          purges.clear();
          for (int j = 0; j < 10; j++) {
            purges.add(Map.of("url", "https://bench.example.org/wiki/Cost_" + (i + warmup) + "_" + j));
          }
          long t0 = System.nanoTime();
          save.setLong(1, i + warmup);
          save.setString(2, "Page " + i);
          save.setInt(3, 1);
          save.executeUpdate();
          long t1 = System.nanoTime();
          RelayResult r = outbox.notifyMulti(tx, CHANNEL, purges);
          long t2 = System.nanoTime();
          tx.commit();
          if (i >= 0) {
            insert[i] = t1 - t0;
            notify[i] = t2 - t1;
          }
          if (!r.allAccepted()) {
            throw new IllegalStateException("refused: " + r.refused());
          }
        }
      }
      outbox.close();
      Arrays.sort(insert);
      Arrays.sort(notify);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("iterations", iterations);
      out.put("insertP50Micros", insert[iterations / 2] / 1000.0);
      out.put("insertP99Micros", insert[(int) (iterations * 0.99)] / 1000.0);
      out.put("notifyMulti10P50Micros", notify[iterations / 2] / 1000.0);
      out.put("notifyMulti10P99Micros", notify[(int) (iterations * 0.99)] / 1000.0);
      System.out.printf(Locale.ROOT, "host cost in its transaction (%,d transactions): its own single-row INSERT "
              + "p50 %.0f us, p99 %.0f us; notifyMulti(tx, 10 purges) p50 %.0f us, p99 %.0f us%n", iterations,
          out.get("insertP50Micros"), out.get("insertP99Micros"), out.get("notifyMulti10P50Micros"),
          out.get("notifyMulti10P99Micros"));
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("host cost run failed: " + e.getMessage(), e);
    }
  }

  /** Two relays drain one table: every event once, and who took what. */
  private static Map<String, Object> twoRelays(DataSource ds, int events, int writers) throws Exception {
    try (ArrivalIntake intake = new ArrivalIntake();
        EventRelayerGroup group = EventRelayerGroup.fromMap(group(intake.url()))) {
      Outbox writer = Outbox.builder(ds, group).table("bench_two").build();
      writer.installSchema();
      List<Map<String, Object>> purges = new ArrayList<>(PER_TX);
      try (Connection tx = ds.getConnection()) {
        tx.setAutoCommit(false);
        for (int i = 0; i < events; i += PER_TX) {
          purges.clear();
          for (int j = i; j < Math.min(events, i + PER_TX); j++) {
            purges.add(Map.of("url", "https://bench.example.org/wiki/Two_" + j));
          }
          writer.notifyMulti(tx, CHANNEL, purges);
          tx.commit();
        }
      }
      Outbox a = Outbox.builder(ds, group).table("bench_two").batchSize(1000).build();
      Outbox b = Outbox.builder(ds, group).table("bench_two").batchSize(1000).build();
      long t0 = System.nanoTime();
      a.start();
      b.start();
      long deadline = t0 + TimeUnit.MINUTES.toNanos(5);
      while (intake.count() < events && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      a.close();
      b.close();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("events", events);
      out.put("delivered", intake.count());
      out.put("duplicates", intake.duplicates());
      out.put("claimedByA", a.stats().claimed());
      out.put("claimedByB", b.stats().claimed());
      out.put("eventsPerSecond", Math.round(intake.count() / seconds));
      System.out.printf(Locale.ROOT, "two relays on one table: %,d of %,d events delivered in %.2f s (%,d/s), %d "
              + "twice; claimed %,d + %,d%n", intake.count(), events, seconds, out.get("eventsPerSecond"),
          intake.duplicates(), a.stats().claimed(), b.stats().claimed());
      return out;
    }
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
