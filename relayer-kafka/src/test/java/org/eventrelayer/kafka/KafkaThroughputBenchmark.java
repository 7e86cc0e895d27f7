package org.eventrelayer.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.ServiceStats;

/**
 * End-to-end throughput of the Kafka service (notify, queue, batch, serialize, send, acknowledge) against a plain
 * {@link KafkaProducer} with the same producer settings and the same values, on the same in-process broker in the
 * same run. Not a test: run {@link #main(String[])} from the test class path, e.g.
 * {@code mvn -pl relayer-kafka test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.eventrelayer.kafka.KafkaThroughputBenchmark -Dexec.args="200000 5"}.
 */
final class KafkaThroughputBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();

  private KafkaThroughputBenchmark() {}

  /**
   * Runs the benchmark.
   *
   * @param args {@code [events per round (200000)] [rounds (5)] [maxBatchEvents (engine default)]}
   */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    String maxBatchEvents = args.length > 2 ? args[2] : null;
    try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker().start()) {
      List<Map<String, Object>> events = purgeEvents(n);
      List<Double> plain = new ArrayList<>();
      List<Double> relayed = new ArrayList<>();
      for (int round = 0; round <= rounds; round++) { // round 0 warms up both paths
        double p = plainProducer(broker, "bench-plain-" + round, events);
        double r = relayer(broker, "bench-relayer-" + round, events, maxBatchEvents);
        System.out.printf("round %d: plain KafkaProducer %,.0f events/s, relayer %,.0f events/s (%.2fx)%n", round, p,
            r, r / p);
        if (round > 0) {
          plain.add(p);
          relayed.add(r);
        }
      }
      plain.sort(null);
      relayed.sort(null);
      double pm = plain.get(plain.size() / 2);
      double rm = relayed.get(relayed.size() / 2);
      System.out.printf("median of %d rounds of %,d events: plain %,.0f events/s, relayer %,.0f events/s: %.2fx%n",
          rounds, n, pm, rm, rm / pm);
    }
  }

  /** The producer settings the Kafka service would use for {@code bootstrap}, defaults included. */
  private static Map<String, Object> serviceProducerSettings(String bootstrap) {
    return new HashMap<>(KafkaSettings.parse(KafkaTestSupport.context("bench",
        Map.of("bootstrap.servers", bootstrap))).producerProperties());
  }

  /** What a host would write by hand: serialize each event, send it with its key, flush at the end. */
  private static double plainProducer(EmbeddedKafkaBroker broker, String topic, List<Map<String, Object>> events)
      throws Exception {
    broker.createTopic(topic, 3);
    Map<String, Object> props = serviceProducerSettings(broker.bootstrapServers());
    props.put("client.id", "bench-plain");
    java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
      long start = System.nanoTime();
      for (Map<String, Object> event : events) {
        String key = (String) ((Map<?, ?>) event.get("meta")).get("uri");
        producer.send(new ProducerRecord<>(topic, key, JSON.writeValueAsBytes(event)), (md, e) -> {
          if (e != null) {
            failed.incrementAndGet();
          }
        });
      }
      producer.flush();
      double rate = events.size() / ((System.nanoTime() - start) / 1e9);
      if (failed.get() > 0) {
        System.out.println("  (plain producer: " + failed.get() + " records failed)");
      }
      return rate;
    }
  }

  private static double relayer(EmbeddedKafkaBroker broker, String topic, List<Map<String, Object>> events,
      String maxBatchEvents) {
    broker.createTopic(topic, 3);
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("type", "kafka");
    service.put("bootstrap.servers", broker.bootstrapServers());
    if (maxBatchEvents != null) {
      service.put("maxBatchEvents", maxBatchEvents);
    }
    service.put("queueCapacity", String.valueOf(events.size()));
    service.put("queueBytes", "1GiB");
    Map<String, Object> config = Map.of(
        "relayers", Map.of("bench", Map.of("type", "stream", "stream", "bench")),
        "eventServices", Map.of("kafka-bench", service),
        "streams", Map.of("bench", Map.of("service", "kafka-bench", "topic", topic, "key", "meta.uri")));
    try (EventRelayerGroup group = EventRelayerGroup.fromMap(config)) {
      EventRelayer relayer = group.getRelayer("bench");
      long start = System.nanoTime();
      for (int from = 0; from < events.size(); from += 100) {
        RelayResult r = relayer.notifyMulti("bench", events.subList(from, Math.min(events.size(), from + 100)));
        if (!r.allAccepted()) {
          throw new IllegalStateException("refused: " + r.refused().get(0));
        }
      }
      long queued = System.nanoTime();
      if (!group.flush(Duration.ofMinutes(5))) {
        throw new IllegalStateException("not flushed");
      }
      long end = System.nanoTime();
      double rate = events.size() / ((end - start) / 1e9);
      System.out.printf("  relayer: callers done after %d ms, delivered after %d ms%n", (queued - start) / 1_000_000,
          (end - start) / 1_000_000);
      ServiceStats s = group.serviceStats().get("kafka-bench");
      if (s.delivered() != events.size()) {
        throw new IllegalStateException("delivered " + s.delivered() + " of " + events.size() + ": " + s);
      }
      return rate;
    }
  }

  /** Purge events shaped as the cdn-purge relayer builds them. */
  private static List<Map<String, Object>> purgeEvents(int n) {
    List<Map<String, Object>> out = new ArrayList<>(n);
    String dt = Instant.parse("2026-11-23T05:38:05.123Z").toString();
    for (int i = 0; i < n; i++) {
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("uri", "https://en.wikipedia.org/wiki/Page_" + i);
      meta.put("id", UUID.randomUUID().toString());
      meta.put("dt", dt);
      meta.put("domain", "en.wikipedia.org");
      meta.put("stream", "resource-purge");
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("$schema", "/resource_change/1.0.0");
      e.put("meta", meta);
      e.put("tags", List.of("mediawiki"));
      out.add(e);
    }
    return out;
  }
}
