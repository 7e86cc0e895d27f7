package org.eventrelayer.purger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eventrelayer.core.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where records that are not purge events go: to {@code deadLetterTopic} when set (the record's key and value as
 * they were, with headers {@code eventrelayer.reason} and {@code eventrelayer.source} =
 * {@code topic-partition@offset}), and always to a rate-limited WARN line. The partition never stops for them.
 * Used from the consumer thread; the producer's callbacks report back through {@code done}.
 */
final class RecordDeadLetters implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RecordDeadLetters.class);
  private final RateLimitedLogger limited = new RateLimitedLogger(log, Duration.ofSeconds(10));
  private final String topic;
  private final KafkaProducer<byte[], byte[]> producer; // null without a topic

  RecordDeadLetters(String topic, Map<String, Object> consumerConfig) {
    this.topic = topic;
    if (topic == null) {
      producer = null;
      return;
    }
    Map<String, Object> p = new HashMap<>();
    for (Map.Entry<String, Object> e : consumerConfig.entrySet()) {
      String k = e.getKey();
      // Reach the same cluster the same way: address, security and client identity settings only.
      if (k.equals("bootstrap.servers") || k.startsWith("security.") || k.startsWith("ssl.") || k.startsWith("sasl.")
          || k.equals("client.dns.lookup")) {
        p.put(k, e.getValue());
      }
    }
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    this.producer = new KafkaProducer<>(p);
  }

  /** Dead-letters {@code record}; runs {@code done} once it is safely away (or could not be, after logging). */
  void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Runnable done) {
    String source = record.topic() + "-" + record.partition() + "@" + record.offset();
    limited.warn("bad-record", "eventrelayer purger: dead-lettered record {} ({}){}", source, reason,
        topic == null ? "" : " to topic " + topic);
    if (producer == null) {
      done.run();
      return;
    }
    ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, null, record.key(), record.value());
    out.headers().add("eventrelayer.reason", reason.getBytes(StandardCharsets.UTF_8));
    out.headers().add("eventrelayer.source", source.getBytes(StandardCharsets.UTF_8));
    try {
      producer.send(out, (metadata, error) -> {
        if (error != null) {
          limited.error("dlq-failed", "eventrelayer purger: could not write record {} to dead-letter topic {}: {}",
              source, topic, error.toString());
        }
        done.run();
      });
    } catch (RuntimeException e) {
      limited.error("dlq-failed", "eventrelayer purger: could not write record {} to dead-letter topic {}: {}",
          source, topic, e.toString());
      done.run();
    }
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
