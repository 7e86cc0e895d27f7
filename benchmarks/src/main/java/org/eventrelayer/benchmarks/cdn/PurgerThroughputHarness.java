package org.eventrelayer.benchmarks.cdn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eventrelayer.benchmarks.Bench;
import org.eventrelayer.cdn.testing.LocalVarnish;
import org.eventrelayer.kafka.BenchKafkaBroker;
import org.eventrelayer.purger.Purger;
import org.eventrelayer.purger.PurgerStats;

/**
 * The purger at a sustained rate: a producer writes {@code resource_change} events to a 4-partition topic of the
 * in-process broker at {@code --rate} events/s (each with {@code meta.dt} = its send time, distinct URLs) for
 * {@code --seconds}; a {@link Purger} (default settings, one stage: {@code type: varnish} into one local Varnish)
 * purges them. Reports the purge rate (events purged / time from the first send to the last purge) and the
 * event-to-purge lag percentiles the purger measured (from {@code meta.dt} to final). A first run of 3 s on its own
 * topic and consumer group warms the JVM up and is not counted; each run starts producing once the purger owns
 * the partitions (joining the consumer group is not counted as lag).
 *
 * <p>Options: {@code --rate R} (10000), {@code --seconds S} (20), {@code --out file.json}.
 */
public final class PurgerThroughputHarness {

  /** {@code -Dbench.trace=true}: print the purger's stats once a second while producing. */
  private static final boolean TRACE = Boolean.getBoolean("bench.trace");

  private PurgerThroughputHarness() {}

  @SuppressWarnings("try") // LocalVarnish.close() may throw InterruptedException: main lets it end the run
  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int rate = Bench.intArg(args, "rate", 10_000);
    int seconds = Bench.intArg(args, "seconds", 20);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("harness", "purger");
    out.put("rate", rate);
    out.put("seconds", seconds);
    out.put("loadAverageStart", Bench.loadAverage());
    try (BenchKafkaBroker broker = BenchKafkaBroker.start();
        LocalVarnish varnish = LocalVarnish.start(LocalVarnish.vcl(1, "\"127.0.0.1\"", false))) {
      run(broker, varnish, "warmup", rate, 3, null);
      run(broker, varnish, "measured", rate, seconds, out);
    }
    out.put("loadAverageEnd", Bench.loadAverage());
    if (args.containsKey("out")) {
      Files.writeString(Path.of(args.get("out")), Bench.JSON.writeValueAsString(out));
    }
  }

  private static void run(BenchKafkaBroker broker, LocalVarnish varnish, String name, int rate, int seconds,
      Map<String, Object> out) throws Exception {
    String topic = "purge-bench-" + name;
    broker.createTopic(topic, 4);
    Map<String, Object> config = Map.of(
        "topics", topic,
        "kafka", Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id", "bench-" + name),
        "stages", "varnish",
        "eventServices", Map.of("varnish", Map.of("type", "varnish", "hosts", varnish.hostPort())));
    long total = (long) rate * seconds;
    try (Purger purger = Purger.fromMap(config).start();
        KafkaProducer<String, String> producer = producer(broker)) {
      producer.partitionsFor(topic);
      // Produce once the purger owns the partitions: joining the group is not part of the lag measured.
      long joinDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (purger.stats().consumerLag() < 0 && System.nanoTime() < joinDeadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      long start = System.nanoTime();
      long sent = 0;
      long maxBacklog = 0;
      while (sent < total) {
        // Paced in 10 ms slices: the events due by now are sent, then we wait for the next slice.
        long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * rate) + rate / 100);
        String dt = Instant.now().toString();
        for (; sent < due; sent++) {
          String url = "https://en.example.org/wiki/" + name + "_" + sent;
          producer.send(new ProducerRecord<>(topic, url, "{\"$schema\":\"/resource_change/1.0.0\",\"meta\":{\"uri\":\""
              + url + "\",\"id\":\"" + UUID.randomUUID() + "\",\"dt\":\"" + dt
              + "\",\"domain\":\"en.example.org\",\"stream\":\"resource-purge\"}}"));
        }
        maxBacklog = Math.max(maxBacklog, purger.stats().backlog());
        if (TRACE && sent % rate < rate / 100) {
          System.out.printf("  t=%.1fs sent=%d %s stage=%s%n", (System.nanoTime() - start) / 1e9, sent,
              purger.stats(), purger.stageStats().get("varnish"));
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      producer.flush();
      long sentAt = System.nanoTime();
      while (purger.stats().purged() < total) {
        maxBacklog = Math.max(maxBacklog, purger.stats().backlog());
        if (System.nanoTime() - sentAt > TimeUnit.MINUTES.toNanos(2)) {
          throw new IllegalStateException("not all purged 2 minutes after the last send: " + purger.stats());
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      PurgerStats s = purger.stats();
      double produced = total / ((sentAt - start) / 1e9);
      System.out.printf("%s: %d events produced at %.0f/s, purged at %.0f/s; lag p50 %d ms, p99 %d ms; max backlog %d;"
          + " varnish %s%n", name, total, produced, total / elapsed, s.lagP50().toMillis(), s.lagP99().toMillis(),
          maxBacklog, purger.stageStats().get("varnish"));
      if (out != null) {
        out.put("events", total);
        out.put("producedPerSecond", produced);
        out.put("purgedPerSecond", total / elapsed);
        out.put("lagP50Millis", s.lagP50().toMillis());
        out.put("lagP99Millis", s.lagP99().toMillis());
        out.put("maxBacklog", maxBacklog);
      }
      purger.close(Duration.ofSeconds(10));
    }
  }

  private static KafkaProducer<String, String> producer(BenchKafkaBroker broker) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(p);
  }
}
