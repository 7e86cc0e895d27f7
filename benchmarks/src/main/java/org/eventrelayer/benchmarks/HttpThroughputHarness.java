package org.eventrelayer.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.http.NoDelaySocketFactory;

/**
 * HTTP end-to-end throughput: purge events per second from {@code notifyMulti} through the relayer ({@code type:
 * http}) to a local intake that parses and counts, against a plain OkHttp loop that builds the same events (a
 * UUID and a {@code dt} per event, serialized with Jackson) and posts them in the same batch sizes to the same
 * intake, in the same run. The order alternates between rounds; round 0 warms both paths up and is not counted.
 *
 * <p>Relayer side: the clock starts before the first {@code notifyMulti} (calls of {@code --call} URLs, the host's
 * thread) and stops when {@code flush} returns, i.e. when the intake acknowledged every event. Plain side: the clock
 * starts before building the first batch and stops at the last answer. Each side gets a fresh client (a fresh group)
 * per round; the intake must have counted exactly every event of each side.
 *
 * <p>Options: {@code --events N} (100000), {@code --rounds R} (5), {@code --batch B} (1000: the relayer's
 * {@code maxBatchEvents} and the plain loop's batch), {@code --call C} (100), {@code --storm K} (0: off; else also
 * run a purge storm where each URL repeats K times, with and without coalescing, when the engine supports it;
 * {@code --storm-always} runs it without coalescing before then), {@code --out results.json}.
 */
public final class HttpThroughputHarness {

  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final String SERVICE = "eventgate";
  private static final int WARMUP_EVENTS = 100_000;
  /** A default ObjectMapper, as the engine's. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private HttpThroughputHarness() {}

  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int events = Bench.intArg(args, "events", 100_000);
    int rounds = Bench.intArg(args, "rounds", 5);
    int batch = Bench.intArg(args, "batch", 1000);
    int call = Bench.intArg(args, "call", 100);
    int storm = Bench.intArg(args, "storm", 0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "http");
    out.put("loadAverageStart", Bench.loadAverage());
    out.put("environment", Bench.environment());
    out.put("events", events);
    out.put("rounds", rounds);
    out.put("batchEvents", batch);
    out.put("eventsPerNotifyMulti", call);
    out.put("intake", "CountingIntake (HTTP/1.1 keep-alive, Jackson streaming parse, counts valid events)");
    out.put("target", 0.8);

    try (CountingIntake intake = CountingIntake.start()) {
      List<String> urls = PurgeEvents.distinctUrls(events, "Throughput");
      // The warm-up round is at least WARMUP_EVENTS long, so that both paths are compiled (C2) before counting.
      List<String> warmup = events >= WARMUP_EVENTS ? urls : PurgeEvents.distinctUrls(WARMUP_EVENTS, "Warmup");
      out.put("distinct", compare(intake, urls, batch, call, rounds, null, warmup, true));
      if (storm > 1) {
        out.put("storm", storm(intake, events, storm, batch, call, rounds, args.containsKey("storm-always")));
      }
    }
    out.put("loadAverageEnd", Bench.loadAverage());
    Bench.writeJson(args.get("out"), out);
  }

  /**
   * Alternating rounds of plain vs relayer on the same URLs. {@code coalesce}: null leaves the engine's default,
   * else the value of the coalescing key.
   */
  static Map<String, Object> compare(CountingIntake intake, List<String> urls, int batch, int call, int rounds,
      Boolean coalesce, List<String> warmupUrls, boolean naiveToo) throws Exception {
    List<List<Map<String, ?>>> calls = PurgeEvents.calls(urls, call);
    List<List<Map<String, ?>>> warmupCalls = warmupUrls == urls ? calls : PurgeEvents.calls(warmupUrls, call);
    List<Double> plain = new ArrayList<>();
    List<Double> relayed = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    List<Double> sent = new ArrayList<>();
    List<Map<String, Object>> detail = new ArrayList<>();
    boolean verified = true;
    for (int round = 0; round <= rounds; round++) {
      boolean plainFirst = round % 2 == 0;
      Phase p = null;
      Phase r = null;
      for (int side = 0; side < 2; side++) {
        if ((side == 0) == plainFirst) {
          p = plain(intake, round == 0 ? warmupUrls : urls, batch);
        } else {
          r = round == 0 ? relayer(intake, warmupCalls, warmupUrls.size(), batch, coalesce)
              : relayer(intake, calls, urls.size(), batch, coalesce);
        }
        System.gc(); // the other side starts on a clean heap
      }
      verified &= p.verified && r.verified;
      System.out.printf("round %d (%s first): plain OkHttp %s, relayer %s: %.2fx%s%n", round,
          plainFirst ? "plain" : "relayer", Bench.rate(p.rate), Bench.rate(r.rate), r.rate / p.rate,
          round == 0 ? " (warm-up, not counted)" : "");
      if (round > 0) {
        plain.add(p.rate);
        relayed.add(r.rate);
        ratios.add(r.rate / p.rate);
        sent.add((double) r.received);
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("round", round);
      d.put("warmup", round == 0);
      d.put("first", plainFirst ? "plain" : "relayer");
      d.put("plain", p.toMap());
      d.put("relayer", r.toMap());
      d.put("ratio", r.rate / p.rate);
      detail.add(d);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("plainEventsPerSecondMedian", Bench.median(plain));
    m.put("relayerEventsPerSecondMedian", Bench.median(relayed));
    m.put("ratioOfMedians", Bench.median(relayed) / Bench.median(plain));
    m.put("medianOfRoundRatios", Bench.median(ratios));
    m.put("relayerEventsSentToIntakeMedian", Bench.median(sent));
    m.put("coalesce", coalesce == null ? "default" : coalesce);
    m.put("plainEventsPerSecond", plain);
    m.put("relayerEventsPerSecond", relayed);
    if (naiveToo) {
      // Once per run: a naive plain loop, OkHttp's default sockets (Nagle on), for the record.
      Phase naive = plain(intake, urls, batch, false);
      verified &= naive.verified;
      m.put("plainDefaultSocketsEventsPerSecond", naive.rate);
      System.out.printf("plain OkHttp with its default sockets (Nagle's algorithm on): %s%n", Bench.rate(naive.rate));
    }
    m.put("verified", verified);
    m.put("rounds", detail);
    System.out.printf("median of %d rounds, %,d events: plain %s, relayer %s: %.2fx (median of round ratios %.2fx)"
            + "; every event counted by the intake: %s%n", rounds, urls.size(), Bench.rate(Bench.median(plain)),
        Bench.rate(Bench.median(relayed)), Bench.median(relayed) / Bench.median(plain), Bench.median(ratios),
        verified);
    return m;
  }

  /** The result of one side of one round. */
  record Phase(String side, long events, double seconds, double rate, long received, long requests, long minBatch,
      long maxBatch, long invalid, boolean verified, Map<String, Object> extra) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("eventsPerSecond", rate);
      m.put("seconds", seconds);
      m.put("eventsIn", events);
      m.put("intakeReceived", received);
      m.put("intakeRequests", requests);
      m.put("batchMin", minBatch);
      m.put("batchMax", maxBatch);
      m.put("intakeInvalid", invalid);
      m.put("verified", verified);
      m.putAll(extra);
      return m;
    }
  }

  /** A plain OkHttp loop: build a batch (UUID + dt each, Jackson), POST it, check 201; repeat. */
  static Phase plain(CountingIntake intake, List<String> urls, int batch) throws IOException {
    return plain(intake, urls, batch, true);
  }

  /**
   * @param noDelay TCP_NODELAY as the relayer's transport sets it (the like-for-like baseline); false: OkHttp's
   *     default sockets, with Nagle's algorithm on
   */
  static Phase plain(CountingIntake intake, List<String> urls, int batch, boolean noDelay) throws IOException {
    intake.reset();
    // As the relayer's HttpTransport configures its client (one client, HTTP/1.1, no silent retries, TCP_NODELAY).
    OkHttpClient.Builder builder = new OkHttpClient.Builder();
    if (noDelay) {
      builder.socketFactory(new NoDelaySocketFactory()); // the same sockets as the relayer's transport
    }
    OkHttpClient client = builder
        .callTimeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(10))
        .writeTimeout(Duration.ofSeconds(10))
        .followRedirects(false)
        .retryOnConnectionFailure(false)
        .protocols(List.of(Protocol.HTTP_1_1))
        .connectionPool(new ConnectionPool(2, 4, TimeUnit.SECONDS))
        .build();
    String url = intake.url().toString();
    long failures = 0;
    Bench.settle();
    long start = System.nanoTime();
    try {
      for (int from = 0; from < urls.size(); from += batch) {
        long now = System.currentTimeMillis();
        List<Map<String, Object>> events = new ArrayList<>(batch);
        for (String u : urls.subList(from, Math.min(urls.size(), from + batch))) {
          events.add(PurgeEvents.build(u, now));
        }
        byte[] body = MAPPER.writeValueAsBytes(events);
        Request request = new Request.Builder().url(url).post(RequestBody.create(body, JSON_TYPE)).build();
        try (Response response = client.newCall(request).execute()) {
          if (response.code() != 201) {
            failures++;
          }
        }
      }
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    long end = System.nanoTime();
    double seconds = (end - start) / 1e9;
    long received = intake.events();
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("non201", failures);
    extra.put("firstAnswerAfterSeconds", (intake.firstAnswerNanos() - start) / 1e9);
    extra.put("lastAnswerAfterSeconds", (intake.lastAnswerNanos() - start) / 1e9);
    boolean ok = failures == 0 && received == urls.size() && intake.invalid() == 0;
    return new Phase("plain", urls.size(), seconds, urls.size() / seconds, received, intake.requests(),
        intake.minBatch(), intake.maxBatch(), intake.invalid(), ok, extra);
  }

  /** The relayer: notifyMulti every call on this thread, then flush; the intake must count every event sent. */
  static Phase relayer(CountingIntake intake, List<List<Map<String, ?>>> calls, int total, int batch,
      Boolean coalesce) {
    intake.reset();
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "http");
    service.put("url", intake.url().toString());
    service.put("timeout", "10s");
    service.put("queueCapacity", Math.max(total, 1000));
    service.put("queueBytes", "2GiB");
    service.put("maxBatchEvents", batch);
    if (coalesce != null) {
      service.put(Bench.COALESCE_KEY, coalesce);
    }
    EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(PurgeEvents.CHANNEL, PurgeEvents.relayerEntry()),
        "eventServices", Map.of(SERVICE, service)));
    ServiceStats stats;
    double seconds;
    double notifySeconds;
    long start;
    long refused = 0;
    try {
      EventRelayer relayer = group.getRelayer(PurgeEvents.CHANNEL);
      Bench.settle();
      start = System.nanoTime();
      for (List<Map<String, ?>> c : calls) {
        RelayResult r = relayer.notifyMulti(PurgeEvents.CHANNEL, c);
        refused += r.refused().size();
      }
      notifySeconds = (System.nanoTime() - start) / 1e9;
      if (!group.flush(Duration.ofMinutes(5))) {
        throw new IllegalStateException("relayer did not flush within 5 minutes: " + group.serviceStats());
      }
      seconds = (System.nanoTime() - start) / 1e9;
      stats = group.serviceStats().get(SERVICE);
    } finally {
      group.close(Duration.ofSeconds(10));
    }
    long received = intake.events();
    Long coalesced = Bench.optionalStat(stats, "coalesced");
    long sent = stats.delivered();
    // Every accepted event is either delivered (and then counted by the intake) or, with coalescing, merged into
    // an equal event that was delivered.
    boolean ok = refused == 0 && stats.deadLettered() == 0 && stats.dropped() == 0 && received == sent
        && intake.invalid() == 0
        && (coalesced == null ? sent == total : sent + coalesced == total);
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("refused", refused);
    extra.put("callerSeconds", notifySeconds);
    extra.put("firstAnswerAfterSeconds", (intake.firstAnswerNanos() - start) / 1e9);
    extra.put("lastAnswerAfterSeconds", (intake.lastAnswerNanos() - start) / 1e9);
    extra.put("delivered", stats.delivered());
    extra.put("batches", stats.batches());
    extra.put("averageBatch", stats.batches() == 0 ? 0 : (double) stats.delivered() / stats.batches());
    extra.put("retries", stats.retries());
    if (coalesced != null) {
      extra.put("coalesced", coalesced);
    }
    if (!ok) {
      System.out.println("relayer phase NOT verified: intake counted " + received + ", stats " + stats);
    }
    return new Phase("relayer", total, seconds, total / seconds, received, intake.requests(), intake.minBatch(),
        intake.maxBatch(), intake.invalid(), ok, extra);
  }

  /** The purge-storm workload: each URL repeats {@code repeat} times; with and without coalescing if supported. */
  static Map<String, Object> storm(CountingIntake intake, int events, int repeat, int batch, int call, int rounds,
      boolean always) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    List<String> urls = PurgeEvents.stormUrls(events, repeat, call, "Storm");
    List<String> warmup = events >= WARMUP_EVENTS ? urls
        : PurgeEvents.stormUrls(WARMUP_EVENTS, repeat, call, "StormWarmup");
    m.put("repeat", repeat);
    m.put("distinctUrls", urls.stream().distinct().count());
    m.put("coalesceKey", Bench.COALESCE_KEY);
    boolean supported = Bench.engineSupports(Bench.COALESCE_KEY, true);
    m.put("coalesceSupported", supported);
    if (!supported) {
      if (!always) {
        System.out.println("purge storm: the engine has no '" + Bench.COALESCE_KEY + "' key yet; skipped "
            + "(--storm-always measures it without coalescing)");
        return m;
      }
      System.out.println("purge storm: the engine has no '" + Bench.COALESCE_KEY + "' key yet; measuring the storm "
          + "without coalescing only");
      m.put("default", compare(intake, urls, batch, call, rounds, null, warmup, false));
      return m;
    }
    System.out.println("purge storm, coalescing off:");
    m.put("coalesceOff", compare(intake, urls, batch, call, rounds, false, warmup, false));
    System.out.println("purge storm, coalescing on:");
    m.put("coalesceOn", compare(intake, urls, batch, call, rounds, true, warmup, false));
    return m;
  }
}
