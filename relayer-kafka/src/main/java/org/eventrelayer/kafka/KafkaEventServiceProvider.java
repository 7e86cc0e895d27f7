package org.eventrelayer.kafka;

import java.util.Map;

import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.eventrelayer.core.DeliveryEngine;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.ServiceContext;

/**
 * The {@code kafka} event service: each event becomes one record, its value the event's JSON, on the shared
 * delivery engine (queue, batching, retry, circuit breaker, stats). Nothing here runs on the host's thread, and
 * nothing connects at build time: a cluster that is down only delays delivery.
 *
 * <h2>Keys of {@code eventServices.<name>}</h2>
 * <ul>
 *   <li>{@code bootstrap.servers} (required): {@code host:port[,host:port...]}, or a list.</li>
 *   <li>{@code topic}: one topic for every stream of this service (KBase's listener form); else each stream's
 *       {@code streams.<stream>.topic}, else the stream's name.</li>
 *   <li>{@code topicPrefix}: prepended to every topic (e.g. a datacenter, {@code eqiad.}).</li>
 *   <li>{@code topicStrict} (default {@code false}): also apply KBase's rule, no {@code .} and no {@code _} in
 *       topics. Kafka's own rules ({@code [a-zA-Z0-9._-]}, 1 to 249 characters, not {@code .} or {@code ..})
 *       always apply; every topic is checked when the group is built.</li>
 *   <li>{@code key} (default none): the record key for every stream, as a path of JSON fields: {@code wsid},
 *       {@code meta.domain}, or {@code meta.uri} for one key per purged URL (per-resource ordering); {@code none}
 *       for no key. Per stream: {@code streams.<stream>.key}.</li>
 *   <li>{@code sendTimeout} (default {@code delivery.timeout.ms} + 5 s, so 20 s): how long the worker waits for
 *       one batch's acknowledgements; at least {@code delivery.timeout.ms}, so the producer has reported every
 *       record before the engine retries it.</li>
 *   <li>Any Kafka producer config, passed through as written ({@code security.protocol}, {@code sasl.*},
 *       {@code ssl.*}, {@code compression.type}, {@code linger.ms}, ...). Names and values are checked against
 *       kafka-clients' definitions at build time; secret values never appear in messages. The serializers and
 *       {@code transactional.id} cannot be set.</li>
 *   <li>The engine's own keys ({@code queueCapacity}, {@code maxBatchEvents}, {@code retry.*},
 *       {@code breaker.*}, ...) as for every service.</li>
 * </ul>
 *
 * <h2>Producer defaults</h2>
 * <ul>
 *   <li>{@code acks=all} and {@code enable.idempotence=true}: an acknowledged purge is on every in-sync replica,
 *       and the producer's own retries never duplicate or reorder a record. (When {@code acks}, {@code retries}
 *       or {@code max.in.flight.requests.per.connection} are set, idempotence is left to kafka-clients, which keeps
 *       it when those settings allow.)</li>
 *   <li>{@code compression.type=lz4}: events are small, repetitive JSON that compress several-fold within a
 *       batch; lz4 costs the least CPU of Kafka's codecs on the producer, which runs inside the host application,
 *       decompresses fastest for consumers, and lz4-java falls back to pure Java where no native library loads
 *       (zstd and snappy need theirs). Set {@code zstd} to trade CPU for a smaller log.</li>
 *   <li>{@code linger.ms=0} and {@code batch.size=65536}: the engine already lingers and hands over whole
 *       batches, then waits for their acknowledgements; a producer linger would only delay each batch's tail.
 *       Records handed over together still share produce requests.</li>
 *   <li>{@code max.block.ms=3000} (at most 10000 allowed): how long {@code send()} may block the worker on
 *       missing metadata or a full buffer, instead of kafka-clients' 60 s. Such a timeout fails the batch as a
 *       whole: the events stay queued and the circuit breaker counts it.</li>
 *   <li>{@code request.timeout.ms=10000}, {@code delivery.timeout.ms=15000}: kafka-clients 4.x requires
 *       {@code delivery.timeout.ms >= linger.ms + request.timeout.ms}; when {@code delivery.timeout.ms} is not
 *       set it is raised to fit, when it is set too low the build fails naming it. The engine retries beyond
 *       that, with backoff and the breaker, so the producer need not hold records for its default 2 minutes.</li>
 *   <li>{@code client.id=eventrelayer-<service>-<n>}, unique within the JVM.</li>
 * </ul>
 *
 * <h2>Outcomes</h2>
 * Retriable errors (timeouts, expired batches, not enough replicas, leader changes) and unknown ones are retried
 * by the engine, and so are authentication failures (bad credentials are fixed by an operator, not by dropping
 * events); record too large, invalid topic or record, authorization and serialization errors are dead-lettered
 * with the cause. A batch of which nothing got through (cluster unreachable, metadata or
 * buffer timeout) fails as a whole and counts against the breaker; its reason shows in
 * {@link org.eventrelayer.ServiceStats#lastError()}.
 */
public final class KafkaEventServiceProvider implements EventServiceProvider {

  /** The provider's name, used as {@code type: kafka}. */
  public static final String NAME = "kafka";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public KafkaEventServiceProvider() {}

  /** Returns {@code kafka}. */
  @Override
  public String name() {
    return NAME;
  }

  /** No aliases. */
  @Override
  public List<String> aliases() {
    return List.of();
  }

  /**
   * Reads and checks the service's keys, creates the producer (which does not connect) and starts the delivery
   * engine.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  @Override
  public EventService create(ServiceContext context) {
    // Kafka pays per batch for a round of acks: bigger batches than HTTP's default (the user's value wins). The
    // transport sees the entry without the engine's keys, so every other key is ours or a producer property.
    return DeliveryEngine.start(context, NAME, Map.of("maxBatchEvents", 5000), transportContext -> {
      KafkaTransport transport = new KafkaTransport(KafkaSettings.parse(transportContext), KafkaProducer::new);
      transport.start();
      return transport;
    });
  }
}
