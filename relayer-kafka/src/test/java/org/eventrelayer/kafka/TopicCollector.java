package org.eventrelayer.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads, on a thread of its own, every record of every topic whose name starts with a prefix, from the
 * beginning, picking up new topics as they appear; survives broker restarts.
 */
final class TopicCollector implements AutoCloseable {

  private final String prefix;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<String, List<String>> values = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  TopicCollector(String bootstrapServers, String prefix) {
    this.prefix = prefix;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1000");
    this.consumer = new KafkaConsumer<>(p);
    this.thread = new Thread(this::run, "test-topic-collector");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** The values (as UTF-8 text) read so far from {@code topic}, in partition order. */
  List<String> values(String topic) {
    return List.copyOf(values.getOrDefault(topic, List.of()));
  }

  private void run() {
    Set<TopicPartition> assigned = new HashSet<>();
    long nextRefresh = 0;
    while (running) {
      try {
        if (System.nanoTime() >= nextRefresh) {
          nextRefresh = System.nanoTime() + 200_000_000L;
          List<TopicPartition> added = new ArrayList<>();
          for (Map.Entry<String, List<PartitionInfo>> e : consumer.listTopics(Duration.ofSeconds(1)).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
              continue;
            }
            for (PartitionInfo info : e.getValue()) {
              TopicPartition tp = new TopicPartition(info.topic(), info.partition());
              if (assigned.add(tp)) {
                added.add(tp);
              }
            }
          }
          if (!added.isEmpty()) {
            consumer.assign(assigned);
            consumer.seekToBeginning(added);
          }
        }
        if (assigned.isEmpty()) {
          java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // pace the topic refresh
          continue;
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          values.computeIfAbsent(r.topic(), t -> new CopyOnWriteArrayList<>())
              .add(new String(r.value(), StandardCharsets.UTF_8));
        }
      } catch (WakeupException e) {
        // closing
      } catch (KafkaException e) {
        // broker down or restarting: keep trying
      }
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
  }
}
