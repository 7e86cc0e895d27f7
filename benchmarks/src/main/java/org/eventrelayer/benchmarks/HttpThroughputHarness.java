package org.eventrelayer.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Callback;
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
 * http}) to a local intake that parses and counts, against a plain OkHttp client doing the same work per event (build
 * the same {@code resource_change} event, a UUID and a {@code dt} each, serialized alone with Jackson, as the relayer
 * and MediaWiki do), splitting batches by the same rule (events and bytes caps) and posting them to the same intake,
 * in the same run. Both sides print how many requests they made. The order alternates between rounds; round 0
 * warms both paths up and is not counted.
 *
 * <p>Relayer side: the clock starts before the first {@code notifyMulti} (calls of {@code --call} URLs, the host's
 * thread) and stops when {@code flush} returns, i.e. when the intake acknowledged every event. Plain side: the clock
 * starts before building the first event and stops at the last answer. Each side gets a fresh client (a fresh group)
 * per round; the intake must have counted exactly every event of each side.
 *
 * <p>Options: {@code --events N} (100000), {@code --rounds R} (5), {@code --batch B} (1000: the relayer's
 * {@code maxBatchEvents} and the plain loop's events cap), {@code --batch-bytes S} (4 MiB: {@code maxBatchBytes}
 * and the plain loop's bytes cap; {@code --batch 1000000} gives MediaWiki's byte-only splitting),
 * {@code --in-flight K} (1: the relayer's {@code maxInFlightRequests} and the plain client's parallel requests),
 * {@code --plain-in-flight K} (the plain side's own, e.g. 1 for the sequential loop), {@code --intake-delay-ms D}
 * (0: the intake's time per request), {@code --call C} (100), {@code --storm K} (0: off; else also run a purge
 * storm where each URL repeats K times, with and without coalescing, when the engine supports it;
 * {@code --storm-always} runs it without coalescing before then), {@code --cases standard} (run every case of
 * {@link #standardCases} in this JVM, against the one intake, each its own alternating pairs; the options above
 * then only set the events and rounds, and the storm runs with the relayer's defaults), {@code --out results.json}.
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
    long batchBytes = Bench.intArg(args, "batch-bytes", (int) DEFAULT_BATCH_BYTES);
    int inFlight = Bench.intArg(args, "in-flight", 1);
    int plainInFlight = Bench.intArg(args, "plain-in-flight", inFlight);
    int delayMs = Bench.intArg(args, "intake-delay-ms", 0);
    Shape relayerShape = new Shape(batch, batchBytes, inFlight);
    Shape plainShape = new Shape(batch, batchBytes, plainInFlight);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "http");
    out.put("loadAverageStart", Bench.loadAverage());
    out.put("environment", Bench.environment());
    out.put("events", events);
    out.put("rounds", rounds);
    out.put("batchEvents", batch);
    out.put("batchBytes", batchBytes);
    out.put("relayerMaxInFlightRequests", inFlight);
    out.put("plainParallelRequests", plainInFlight);
    out.put("intakeDelayMillisPerRequest", delayMs);
    out.put("eventsPerNotifyMulti", call);
    out.put("intake", "CountingIntake (HTTP/1.1 keep-alive, Jackson streaming parse, counts valid events)");
    out.put("target", 0.95);

    try (CountingIntake intake = CountingIntake.start()) {
      intake.answerDelay(Duration.ofMillis(delayMs));
      List<String> urls = PurgeEvents.distinctUrls(events, "Throughput");
      // The warm-up round is at least WARMUP_EVENTS long, so that both paths are compiled (C2) before counting.
      List<String> warmup = events >= WARMUP_EVENTS ? urls : PurgeEvents.distinctUrls(WARMUP_EVENTS, "Warmup");
      if ("standard".equals(args.get("cases"))) {
        // On a busy machine one warm-up round left the first case's relayer still compiling (its pairs rose from
        // 0.36 to 0.98 within the case): warm both sides up at length first, not counted.
        System.out.printf("%n--- warm-up of both sides with the defaults (not counted)%n");
        compare(intake, warmup, DEFAULTS, DEFAULTS, call, 2, null, warmup, false);
        List<Map<String, Object>> cases = new ArrayList<>();
        for (Case c : standardCases()) {
          System.out.printf("%n--- %s%n", c.label());
          intake.answerDelay(Duration.ofMillis(c.intakeDelayMs()));
          Map<String, Object> m = c.toMap();
          // Only the first case warms up at length; the later ones' round 0 (not counted) re-warms their shape.
          m.put("comparison", compare(intake, urls, c.plain(), c.relayer(), call, rounds, null,
              cases.isEmpty() ? warmup : urls, cases.isEmpty()));
          cases.add(m);
        }
        intake.answerDelay(Duration.ZERO);
        out.put("cases", cases);
        relayerShape = DEFAULTS;
        plainShape = DEFAULTS;
        out.put("batchEvents", DEFAULTS.events());
        out.put("relayerMaxInFlightRequests", DEFAULTS.parallel());
        out.put("plainParallelRequests", DEFAULTS.parallel());
        out.put("distinct", cases.stream().filter(c -> "defaults".equals(c.get("case"))).findFirst()
            .orElseThrow().get("comparison"));
      } else {
        out.put("distinct", compare(intake, urls, plainShape, relayerShape, call, rounds, null, warmup, true));
      }
      if (storm > 1) {
        out.put("storm", storm(intake, events, storm, plainShape, relayerShape, call, rounds,
            args.containsKey("storm-always")));
      }
    }
    out.put("loadAverageEnd", Bench.loadAverage());
    Bench.writeJson(args.get("out"), out);
  }

  /**
   * Alternating rounds of plain vs relayer on the same URLs. {@code coalesce}: null leaves the engine's default,
   * else the value of the coalescing key.
   */
  static Map<String, Object> compare(CountingIntake intake, List<String> urls, Shape plainShape,
      Shape relayerShape, int call, int rounds, Boolean coalesce, List<String> warmupUrls, boolean naiveToo)
      throws Exception {
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
          p = plain(intake, round == 0 ? warmupUrls : urls, plainShape, true);
        } else {
          r = round == 0 ? relayer(intake, warmupCalls, warmupUrls.size(), relayerShape, coalesce)
              : relayer(intake, calls, urls.size(), relayerShape, coalesce);
        }
        System.gc(); // the other side starts on a clean heap
      }
      verified &= p.verified && r.verified;
      System.out.printf("round %d (%s first): plain OkHttp %s (%d requests), relayer %s (%d requests): %.2fx%s%n",
          round, plainFirst ? "plain" : "relayer", Bench.rate(p.rate), p.requests, Bench.rate(r.rate), r.requests,
          r.rate / p.rate, round == 0 ? " (warm-up, not counted)" : "");
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
      Phase naive = plain(intake, urls, plainShape, false);
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

  /** The relayer's default {@code maxBatchBytes}: 4 MiB, EventGate's body limit. */
  static final long DEFAULT_BATCH_BYTES = 4L << 20;
  /** The relayer's HTTP defaults: {@code maxBatchEvents} 1000, {@code maxBatchBytes} 4 MiB, 4 requests at once. */
  static final Shape DEFAULTS = new Shape(1000, DEFAULT_BATCH_BYTES, 4);
  /** MediaWiki's splitting: by bytes only (4 MiB), no events cap. */
  private static final int BYTES_ONLY = 1_000_000; // maxBatchEvents at most

  /** One comparison of a {@code --cases} run: each side's shape and the intake's time per request. */
  record Case(String name, String label, Shape relayer, Shape plain, int intakeDelayMs, double target) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("case", name);
      m.put("label", label);
      m.put("target", target);
      m.put("batchEvents", relayer.events() == BYTES_ONLY ? "bytes only" : relayer.events());
      m.put("batchBytes", relayer.bytes());
      m.put("relayerMaxInFlightRequests", relayer.parallel());
      m.put("plainParallelRequests", plain.parallel());
      m.put("intakeDelayMillisPerRequest", intakeDelayMs);
      return m;
    }
  }

  /**
   * The comparisons of issue 14, sequential and in parallel: MediaWiki's byte-only 4 MiB batches, the relayer's
   * defaults (batches of 1000, {@code maxInFlightRequests} 4), and an intake taking 2 ms per request (batches of
   * 100), against the plain sequential loop and against a plain client with as many requests in parallel.
   */
  static List<Case> standardCases() {
    Shape bytesOnly1 = new Shape(BYTES_ONLY, DEFAULT_BATCH_BYTES, 1);
    Shape bytesOnly4 = new Shape(BYTES_ONLY, DEFAULT_BATCH_BYTES, 4);
    Shape defaults1 = new Shape(DEFAULTS.events(), DEFAULT_BATCH_BYTES, 1);
    Shape small1 = new Shape(100, DEFAULT_BATCH_BYTES, 1);
    Shape small4 = new Shape(100, DEFAULT_BATCH_BYTES, 4);
    return List.of(
        new Case("defaults", "defaults (batches of 1000, maxInFlightRequests 4) vs a plain client with 4 requests "
            + "in parallel", DEFAULTS, DEFAULTS, 0, 0.95),
        new Case("defaults-sequential", "batches of 1000, one request at a time on both sides", defaults1, defaults1,
            0, 0.95),
        new Case("mediawiki-sequential", "MediaWiki's byte-only batches (4 MiB), one request at a time on both sides",
            bytesOnly1, bytesOnly1, 0, 0.95),
        new Case("mediawiki-parallel", "MediaWiki's byte-only batches (4 MiB), 4 requests at once on both sides",
            bytesOnly4, bytesOnly4, 0, 0.95),
        new Case("slow-intake-parallel", "intake taking 2 ms per request, batches of 100, maxInFlightRequests 4 vs "
            + "a plain client with 4 requests in parallel", small4, small4, 2, 0.95),
        new Case("slow-intake-vs-sequential", "intake taking 2 ms per request, batches of 100, "
            + "maxInFlightRequests 4 vs the plain sequential loop", small4, small1, 2, 1.5));
  }

  /**
   * How one side splits and sends: at most {@code events} events and {@code bytes} bytes per batch, {@code parallel}
   * requests at once.
   */
  record Shape(int events, long bytes, int parallel) {}

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

  /** A plain OkHttp loop with the relayer's default batch bytes, one request at a time. */
  static Phase plain(CountingIntake intake, List<String> urls, int batch) throws IOException {
    return plain(intake, urls, new Shape(batch, DEFAULT_BATCH_BYTES, 1), true);
  }

  /**
   * A plain OkHttp client doing per event what the relayer does (build the event, a UUID and a {@code dt} each,
   * serialize it alone with Jackson), splitting batches by the engine's rule (at most {@code shape.events} events
   * and {@code shape.bytes} bytes of {@code [e1,e2,...]}) and posting them {@code shape.parallel} at a time.
   *
   * @param noDelay TCP_NODELAY as the relayer's transport sets it (the like-for-like baseline); false: OkHttp's
   *     default sockets, with Nagle's algorithm on
   */
  static Phase plain(CountingIntake intake, List<String> urls, Shape shape, boolean noDelay) throws IOException {
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
        .connectionPool(new ConnectionPool(Math.max(2, shape.parallel), 4, TimeUnit.SECONDS))
        .build();
    client.dispatcher().setMaxRequestsPerHost(shape.parallel);
    String url = intake.url().toString();
    AtomicLong failures = new AtomicLong();
    Semaphore slots = new Semaphore(shape.parallel);
    Bench.settle();
    long start = System.nanoTime();
    try {
      List<byte[]> events = new ArrayList<>();
      long bytes = 2;
      for (String u : urls) {
        byte[] json = MAPPER.writeValueAsBytes(PurgeEvents.build(u, System.currentTimeMillis()));
        if (!events.isEmpty() && (events.size() >= shape.events || bytes + 1 + json.length > shape.bytes)) {
          post(client, url, events, bytes, slots, failures, shape.parallel);
          events = new ArrayList<>();
          bytes = 2;
        }
        bytes += json.length + (events.isEmpty() ? 0 : 1);
        events.add(json);
      }
      if (!events.isEmpty()) {
        post(client, url, events, bytes, slots, failures, shape.parallel);
      }
      slots.acquireUninterruptibly(shape.parallel); // every answer taken
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    long end = System.nanoTime();
    double seconds = (end - start) / 1e9;
    long received = intake.events();
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("non201", failures.get());
    extra.put("parallelRequests", shape.parallel);
    extra.put("firstAnswerAfterSeconds", (intake.firstAnswerNanos() - start) / 1e9);
    extra.put("lastAnswerAfterSeconds", (intake.lastAnswerNanos() - start) / 1e9);
    boolean ok = failures.get() == 0 && received == urls.size() && intake.invalid() == 0;
    return new Phase("plain", urls.size(), seconds, urls.size() / seconds, received, intake.requests(),
        intake.minBatch(), intake.maxBatch(), intake.invalid(), ok, extra);
  }

  /** POSTs {@code [e1,e2,...]}: on this thread when one at a time, else queued once a slot is free. */
  private static void post(OkHttpClient client, String url, List<byte[]> events, long bytes, Semaphore slots,
      AtomicLong failures, int parallel) throws IOException {
    byte[] body = new byte[(int) bytes];
    body[0] = '[';
    int at = 1;
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) {
        body[at++] = ',';
      }
      byte[] e = events.get(i);
      System.arraycopy(e, 0, body, at, e.length);
      at += e.length;
    }
    body[at] = ']';
    Call call = client.newCall(new Request.Builder().url(url).post(RequestBody.create(body, JSON_TYPE)).build());
    slots.acquireUninterruptibly();
    if (parallel == 1) {
      try (Response response = call.execute()) {
        if (response.code() != 201) {
          failures.incrementAndGet();
        }
      } finally {
        slots.release();
      }
      return;
    }
    call.enqueue(new Callback() {
      @Override
      public void onResponse(Call c, Response response) {
        try (response) {
          if (response.code() != 201) {
            failures.incrementAndGet();
          }
        } finally {
          slots.release();
        }
      }

      @Override
      public void onFailure(Call c, IOException e) {
        failures.incrementAndGet();
        slots.release();
      }
    });
  }

  /** The relayer: notifyMulti every call on this thread, then flush; the intake must count every event sent. */
  static Phase relayer(CountingIntake intake, List<List<Map<String, ?>>> calls, int total, Shape shape,
      Boolean coalesce) {
    intake.reset();
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "http");
    service.put("url", intake.url().toString());
    service.put("timeout", "10s");
    service.put("queueCapacity", Math.max(total, 1000));
    service.put("queueBytes", "2GiB");
    service.put("maxBatchEvents", shape.events);
    service.put("maxBatchBytes", shape.bytes);
    service.put("maxInFlightRequests", shape.parallel);
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
  static Map<String, Object> storm(CountingIntake intake, int events, int repeat, Shape plainShape,
      Shape relayerShape, int call, int rounds, boolean always) throws Exception {
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
      m.put("default", compare(intake, urls, plainShape, relayerShape, call, rounds, null, warmup, false));
      return m;
    }
    System.out.println("purge storm, coalescing off:");
    m.put("coalesceOff", compare(intake, urls, plainShape, relayerShape, call, rounds, false, warmup, false));
    System.out.println("purge storm, coalescing on:");
    m.put("coalesceOn", compare(intake, urls, plainShape, relayerShape, call, rounds, true, warmup, false));
    return m;
  }
}
