package org.eventrelayer.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * The benchmarks' handle on relayer-kafka's in-process KRaft broker ({@code EmbeddedKafkaBroker}, from relayer-kafka's
 * test-jar). It lives in the broker's package because that class is package-private; if relayer-kafka makes it
 * public, this adapter can go. 127.0.0.1 only.
 */
public final class BenchKafkaBroker implements AutoCloseable {

  private final EmbeddedKafkaBroker broker;

  private BenchKafkaBroker(EmbeddedKafkaBroker broker) {
    this.broker = broker;
  }

  /** Starts a single-node broker (about two seconds). */
  public static BenchKafkaBroker start() {
    return new BenchKafkaBroker(new EmbeddedKafkaBroker().start());
  }

  /** {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /**
   * Creates a topic with replication factor 1 and returns once its leaders answer (a produce straight after
   * creation can meet NOT_LEADER_OR_FOLLOWER and, with idempotence, a run of OUT_OF_ORDER_SEQUENCE_NUMBER retries
   * that would be measured as throughput).
   */
  public void createTopic(String topic, int partitions) {
    broker.createTopic(topic, partitions);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        if (records(topic) == 0) {
          return;
        }
        throw new IllegalStateException("topic " + topic + " is not empty");
      } catch (IllegalStateException e) {
        if (System.nanoTime() > deadline || e.getMessage().contains("not empty")) {
          throw e;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** The number of records in {@code topic}: the sum of its partitions' end offsets (a fresh topic starts at 0). */
  public long records(String topic) {
    try (Admin admin = broker.admin()) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      d.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(request).all().get(30, TimeUnit.SECONDS);
      return ends.values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
    } catch (Exception e) {
      throw new IllegalStateException("cannot count the records of " + topic, e);
    }
  }

  @Override
  public void close() {
    broker.close();
  }
}
