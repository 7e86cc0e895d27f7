package org.eventrelayer.purger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eventrelayer.cdn.testing.LoopbackServer;
import org.eventrelayer.cdn.testing.PurgedUrls;
import org.eventrelayer.kafka.PurgerTestBroker;

/** What the purger tests share: topics and groups of their own, raw records, purger configs, recording caches. */
final class PurgerFixture {

  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private PurgerFixture() {}

  /** A fresh name: topics and groups are per test. */
  static String unique(String prefix) {
    return prefix + "-" + SEQUENCE.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xfffff);
  }

  /** A resource_change event for {@code url} at {@code dt}, as a relayer writes it. */
  static String event(String url, Instant dt) {
    String host = java.net.URI.create(url).getHost();
    return "{\"$schema\":\"/resource_change/1.0.0\",\"meta\":{\"uri\":\"" + url + "\",\"id\":\"" + UUID.randomUUID()
        + "\",\"dt\":\"" + dt + "\",\"domain\":\"" + host + "\",\"stream\":\"resource-purge\"},\"tags\":[\"test\"]}";
  }

  /** Writes {@code values} to {@code topic} (keyed by nothing: spread over partitions) and waits for the acks. */
  static void produce(PurgerTestBroker broker, String topic, List<String> values) throws Exception {
    produce(broker, topic, values, 0);
  }

  /**
   * Produces {@code values} to {@code topic}, spread round robin over its first {@code partitions} partitions, or
   * where the producer's partitioner puts them when {@code partitions} is 0 (records without a key: a whole batch
   * to one partition).
   */
  static void produce(PurgerTestBroker broker, String topic, List<String> values, int partitions) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.partitionsFor(topic); // metadata first, so the records go out back to back
      List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        acks.add(producer.send(partitions == 0 ? new ProducerRecord<>(topic, values.get(i))
            : new ProducerRecord<>(topic, i % partitions, null, values.get(i))));
      }
      for (java.util.concurrent.Future<?> f : acks) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** A purger config reading {@code topic} as {@code group} through {@code services}, in {@code stages} order. */
  static Map<String, Object> config(PurgerTestBroker broker, String topic, String group,
      Map<String, Object> services, String stages, Object... extra) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("topics", topic);
    c.put("kafka", Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id", group,
        "session.timeout.ms", "10000", "heartbeat.interval.ms", "500"));
    c.put("stages", stages);
    c.put("eventServices", services);
    for (int i = 0; i < extra.length; i += 2) {
      c.put((String) extra[i], extra[i + 1]);
    }
    return c;
  }

  /** A stand-in cache on loopback that answers every PURGE 200 and records the URL. */
  static LoopbackServer recordingCache(PurgedUrls log) {
    return new LoopbackServer(exchange -> {
      log.add("https://" + exchange.getRequestHeaders().getFirst("Host") + exchange.getRequestURI().getRawPath());
      LoopbackServer.answer(exchange, 200, "purged");
    });
  }

  /** A varnish service entry for {@code hosts} with quick retries. */
  static Map<String, Object> varnish(String hosts) {
    return Map.of("type", "varnish", "hosts", hosts, "timeout", "2s", "retry.initialBackoff", "20ms",
        "retry.maxBackoff", "200ms");
  }
}
