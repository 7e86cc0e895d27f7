package org.eventrelayer.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The purger tests' handle on relayer-kafka's in-process KRaft broker (its test-jar's package-private
 * {@code EmbeddedKafkaBroker}, hence this package). 127.0.0.1 only.
 */
public final class PurgerTestBroker implements AutoCloseable {

  private final EmbeddedKafkaBroker broker;

  private PurgerTestBroker(EmbeddedKafkaBroker broker) {
    this.broker = broker;
  }

  /** Starts a single-node broker (about two seconds). */
  public static PurgerTestBroker start() {
    return new PurgerTestBroker(new EmbeddedKafkaBroker().start());
  }

  /** {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** Creates a topic with replication factor 1. */
  public void createTopic(String topic, int partitions) {
    broker.createTopic(topic, partitions);
  }

  /** The records of {@code topic} (values as bytes), waiting for at least {@code atLeast}. */
  public List<ConsumerRecord<String, byte[]>> readAll(String topic, int atLeast, Duration timeout) {
    return broker.readAll(topic, atLeast, timeout);
  }

  /** The end offsets minus the committed offsets of {@code group} on {@code topic}: what a restart would re-read. */
  public long uncommitted(String group, String topic) {
    try (Admin admin = broker.admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(topic).partitions().size();
      long total = 0;
      for (int p = 0; p < partitions; p++) {
        TopicPartition tp = new TopicPartition(topic, p);
        long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS)
            .get(tp).offset();
        OffsetAndMetadata c = committed.get(tp);
        total += end - (c == null ? 0 : c.offset());
      }
      return total;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the offsets of group " + group, e);
    }
  }

  @Override
  public void close() {
    broker.close();
  }
}
