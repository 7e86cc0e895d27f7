package org.eventrelayer.benchmarks.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMException;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.benchmarks.Bench;
import org.eventrelayer.benchmarks.PurgeEvents;
import org.eventrelayer.kafka.BenchKafkaBroker;

/**
 * Kafka end-to-end throughput: purge events per second from {@code notifyMulti} through the relayer ({@code type:
 * kafka}) to an in-process KRaft broker on 127.0.0.1, against a plain {@link KafkaProducer} with the same producer
 * settings that builds the same values (a UUID and a {@code dt} per event, Jackson) with the same keys
 * ({@code meta.uri}), on the same broker, in the same run. Each side writes its own fresh topic of 3 partitions;
 * the order alternates between rounds; round 0 warms up and is not counted; each side must have written exactly
 * every event (the topic's end offsets are counted).
 *
 * <p>Relayer side: the clock starts before the first {@code notifyMulti} and stops when {@code flush} returns (every
 * record acknowledged). Plain side: from the first record built to {@code producer.flush()} returning.
 *
 * <p>Options: {@code --events N} (100000), {@code --rounds R} (5), {@code --call C} (100), {@code --out file}.
 */
public final class KafkaThroughputHarness {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SERVICE = "kafka-bench";
  private static final int PARTITIONS = 3;
  private static final int WARMUP_EVENTS = 100_000;

  private KafkaThroughputHarness() {}

  /**
   * The producer settings both sides use, passed explicitly to both so that they are the same whatever the relayer's
   * defaults: these are the relayer's defaults at the time of writing (acks=all with idempotence, lz4, no linger,
   * 64 KiB batches, 10 s request timeout, 15 s delivery timeout, 3 s max block).
   */
  static Map<String, String> producerSettings(String bootstrap) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    m.put(ProducerConfig.ACKS_CONFIG, "all");
    m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    m.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    m.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    m.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
    m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
    m.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "3000");
    return m;
  }

  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int events = Bench.intArg(args, "events", 100_000);
    int rounds = Bench.intArg(args, "rounds", 5);
    int call = Bench.intArg(args, "call", 100);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "kafka");
    out.put("loadAverageStart", Bench.loadAverage());
    out.put("environment", Bench.environment());
    out.put("events", events);
    out.put("rounds", rounds);
    out.put("eventsPerNotifyMulti", call);
    out.put("target", 0.95);

    List<String> urls = PurgeEvents.distinctUrls(events, "Kafka");
    List<List<Map<String, ?>>> calls = PurgeEvents.calls(urls, call);
    // The warm-up round is at least WARMUP_EVENTS long, so that both paths are compiled (C2) before counting.
    List<String> warmupUrls = events >= WARMUP_EVENTS ? urls : PurgeEvents.distinctUrls(WARMUP_EVENTS, "Warmup");
    List<List<Map<String, ?>>> warmupCalls = warmupUrls == urls ? calls : PurgeEvents.calls(warmupUrls, call);
    List<Double> plain = new ArrayList<>();
    List<Double> relayed = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    List<Map<String, Object>> detail = new ArrayList<>();
    boolean verified = true;
    try (BenchKafkaBroker broker = BenchKafkaBroker.start()) {
      out.put("producerSettings", producerSettings(broker.bootstrapServers()));
      // Every topic up front, each ready (leaders answering) before anything is timed.
      for (int round = 0; round <= rounds; round++) {
        broker.createTopic("bench-plain-" + round, PARTITIONS);
        broker.createTopic("bench-relayer-" + round, PARTITIONS);
      }
      Thread.sleep(1000);
      for (int round = 0; round <= rounds; round++) {
        boolean plainFirst = round % 2 == 0;
        Map<String, Object> p = null;
        Map<String, Object> r = null;
        for (int side = 0; side < 2; side++) {
          if ((side == 0) == plainFirst) {
            p = plain(broker, "bench-plain-" + round, round == 0 ? warmupUrls : urls);
          } else {
            r = round == 0 ? relayer(broker, "bench-relayer-" + round, warmupCalls, warmupUrls.size())
                : relayer(broker, "bench-relayer-" + round, calls, events);
          }
          System.gc();
        }
        double pr = (double) p.get("eventsPerSecond");
        double rr = (double) r.get("eventsPerSecond");
        verified &= (boolean) p.get("verified") && (boolean) r.get("verified");
        System.out.printf("round %d (%s first): plain KafkaProducer %s (%d requests), relayer %s (%d requests): "
                + "%.2fx%s%n", round, plainFirst ? "plain" : "relayer", Bench.rate(pr), p.get("requests"),
            Bench.rate(rr), r.get("requests"), rr / pr, round == 0 ? " (warm-up, not counted)" : "");
        if (round > 0) {
          plain.add(pr);
          relayed.add(rr);
          ratios.add(rr / pr);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("round", round);
        d.put("warmup", round == 0);
        d.put("first", plainFirst ? "plain" : "relayer");
        d.put("plain", p);
        d.put("relayer", r);
        d.put("ratio", rr / pr);
        detail.add(d);
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("plainEventsPerSecondMedian", Bench.median(plain));
    m.put("relayerEventsPerSecondMedian", Bench.median(relayed));
    m.put("ratioOfMedians", Bench.median(relayed) / Bench.median(plain));
    m.put("medianOfRoundRatios", Bench.median(ratios));
    m.put("plainEventsPerSecond", plain);
    m.put("relayerEventsPerSecond", relayed);
    m.put("verified", verified);
    m.put("rounds", detail);
    out.put("distinct", m);
    System.out.printf("median of %d rounds, %,d events: plain %s, relayer %s: %.2fx (median of round ratios %.2fx)"
            + "; every record on the broker: %s%n", rounds, events, Bench.rate(Bench.median(plain)),
        Bench.rate(Bench.median(relayed)), Bench.median(relayed) / Bench.median(plain), Bench.median(ratios),
        verified);
    out.put("loadAverageEnd", Bench.loadAverage());
    Bench.writeJson(args.get("out"), out);
  }

  /**
   * The requests the producer {@code clientId} has sent so far (kafka-clients' {@code request-total}: produce,
   * metadata and the idempotent producer's own), read from its JMX metrics while it is open; -1 if not found.
   */
  static long requests(String clientId) {
    try {
      Object v = ManagementFactory.getPlatformMBeanServer().getAttribute(
          new ObjectName("kafka.producer:type=producer-metrics,client-id=" + clientId),
          "request-total");
      return v instanceof Number n ? n.longValue() : -1;
    } catch (JMException e) {
      return -1;
    }
  }

  /** A plain producer loop: build each value (clock read, UUID + dt, Jackson), send with the URL as key, flush. */
  static Map<String, Object> plain(BenchKafkaBroker broker, String topic, List<String> urls) throws Exception {
    Map<String, Object> props = new LinkedHashMap<>(producerSettings(broker.bootstrapServers()));
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-plain-" + topic);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    LongAdder acked = new LongAdder();
    LongAdder failed = new LongAdder();
    AtomicReference<Exception> firstError = new AtomicReference<>();
    double seconds;
    long requests;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
      Bench.settle();
      long start = System.nanoTime();
      for (int i = 0; i < urls.size(); i++) {
        String url = urls.get(i);
        // The relayer's work per event: the clock read, the event built, serialized alone with Jackson.
        byte[] value = MAPPER.writeValueAsBytes(PurgeEvents.build(url, System.currentTimeMillis()));
        producer.send(new ProducerRecord<>(topic, url, value), (md, e) -> {
          if (e == null) {
            acked.increment();
          } else {
            failed.increment();
            firstError.compareAndSet(null, e);
          }
        });
      }
      producer.flush();
      seconds = (System.nanoTime() - start) / 1e9;
      requests = requests("bench-plain-" + topic);
    }
    long records = broker.records(topic);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eventsPerSecond", urls.size() / seconds);
    m.put("seconds", seconds);
    m.put("acked", acked.sum());
    m.put("failed", failed.sum());
    m.put("recordsOnBroker", records);
    m.put("requests", requests);
    m.put("verified", failed.sum() == 0 && acked.sum() == urls.size() && records == urls.size());
    if (firstError.get() != null) {
      m.put("firstError", firstError.get().toString());
    }
    return m;
  }

  /** The relayer: cdn-purge relayer on a kafka service with the same producer settings and key meta.uri. */
  static Map<String, Object> relayer(BenchKafkaBroker broker, String topic, List<List<Map<String, ?>>> calls,
      int total) {
    Map<String, Object> service = new LinkedHashMap<>(producerSettings(broker.bootstrapServers()));
    service.put("type", "kafka");
    service.put("topic", topic);
    service.put("key", "meta.uri");
    service.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-relayer-" + topic);
    service.put("queueCapacity", Math.max(total, 1000));
    service.put("queueBytes", "2GiB");
    EventRelayerGroup group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of(PurgeEvents.CHANNEL, PurgeEvents.relayerEntry()),
        "eventServices", Map.of(SERVICE, service)));
    double seconds;
    double callerSeconds;
    long refused = 0;
    ServiceStats stats;
    long requests;
    try {
      EventRelayer relayer = group.getRelayer(PurgeEvents.CHANNEL);
      Bench.settle();
      long start = System.nanoTime();
      for (List<Map<String, ?>> c : calls) {
        RelayResult r = relayer.notifyMulti(PurgeEvents.CHANNEL, c);
        refused += r.refused().size();
      }
      callerSeconds = (System.nanoTime() - start) / 1e9;
      if (!group.flush(Duration.ofMinutes(5))) {
        throw new IllegalStateException("relayer did not flush within 5 minutes: " + group.serviceStats());
      }
      seconds = (System.nanoTime() - start) / 1e9;
      stats = group.serviceStats().get(SERVICE);
      requests = requests("bench-relayer-" + topic);
    } finally {
      group.close(Duration.ofSeconds(10));
    }
    long records = broker.records(topic);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eventsPerSecond", total / seconds);
    m.put("seconds", seconds);
    m.put("callerSeconds", callerSeconds);
    m.put("refused", refused);
    m.put("delivered", stats.delivered());
    m.put("batches", stats.batches());
    m.put("averageBatch", stats.batches() == 0 ? 0 : (double) stats.delivered() / stats.batches());
    m.put("retries", stats.retries());
    m.put("recordsOnBroker", records);
    m.put("requests", requests);
    m.put("verified", refused == 0 && stats.delivered() == total && stats.deadLettered() == 0 && records == total);
    return m;
  }
}
