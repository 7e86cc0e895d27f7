package org.eventrelayer.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.core.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each batch as one record per event and waits, bounded by {@code sendTimeout}, for every record's
 * acknowledgement; then maps each record's answer onto an outcome. Runs only on the engine's worker.
 *
 * <p>Outcomes: no error is delivered; a {@link RetriableException} (timeouts, expired batches, not enough
 * replicas, leader changes, ...), an authentication failure (bad credentials: an operator fixes them, the events
 * are not at fault) or an unknown error is retried through the engine; record too large, invalid topic or record,
 * authorization failures and serialization errors are invalid (dead-lettered with the cause, never retried). When
 * nothing was delivered or refused and every record failed transiently (the cluster is unreachable, metadata or
 * buffer timeouts, the producer is broken), the flight throws, so the engine retries every event and counts a
 * circuit-breaker failure.
 */
final class KafkaTransport implements Transport {

  private static final Logger log = LoggerFactory.getLogger(KafkaTransport.class);
  private static final Object ACKED = new Object();
  private static final int MAX_REASON = 400;
  /** Batches handed to the producer and not yet acknowledged, at most. */
  static final int MAX_IN_FLIGHT_BATCHES = 4;

  private final KafkaSettings settings;
  private final Function<Map<String, Object>, Producer<String, byte[]>> factory;
  private final Map<String, KafkaSettings.Route> routes = new ConcurrentHashMap<>();
  private volatile Producer<String, byte[]> producer;
  private volatile boolean closed;
  private volatile boolean cancelled;
  /** Latches of the batches whose acknowledgements are awaited; {@link #cancel()} releases them. */
  private final Set<CountDownLatch> waiting = ConcurrentHashMap.newKeySet();

  KafkaTransport(KafkaSettings settings, Function<Map<String, Object>, Producer<String, byte[]>> factory) {
    this.settings = settings;
    this.factory = factory;
  }

  /**
   * Creates the producer now, so settings kafka-clients only checks when it builds one (SASL/JAAS, SSL stores,
   * class names) fail at build time. It does not connect. If no bootstrap server resolves in DNS yet, creation
   * is left to the first send: an unreachable cluster is a delivery problem, not a config problem.
   *
   * @throws org.eventrelayer.ConfigException if kafka-clients rejects the settings
   */
  void start() {
    try {
      producer = factory.apply(settings.producerProperties());
    } catch (KafkaException e) {
      if (unresolvable(e)) {
        log.warn("Kafka service '{}': no bootstrap server in '{}' resolves yet; will retry when events arrive",
            settings.serviceName(), settings.bootstrapServers());
        return;
      }
      throw new org.eventrelayer.ConfigException(settings.path(),
          "kafka-clients cannot create a producer from these settings: " + settings.redact(describeChain(e)));
    }
  }

  /**
   * Resolves and checks {@code stream}'s topic.
   *
   * @throws IllegalArgumentException naming the topic and the rule it breaks
   */
  @Override
  public void checkStream(String stream) {
    routes.put(stream, settings.routeFor(stream));
  }

  /** {@link #begin} and {@link Flight#await}: sends a batch and waits for its outcomes (for tests). */
  SendResult send(Batch batch) throws Exception {
    return begin(batch).await();
  }

  /**
   * Kafka acknowledges asynchronously, so the engine may have a few batches in flight: it builds and hands over the
   * next batch while the broker acknowledges this one, as a plain producer loop does.
   */
  @Override
  public int maxInFlightBatches() {
    return MAX_IN_FLIGHT_BATCHES;
  }

  /** Hands every event of {@code batch} to the producer; the returned flight waits for the acknowledgements. */
  @Override
  public Flight begin(Batch batch) throws Exception {
    List<BatchEvent> events = batch.events();
    int n = events.size();
    if (n == 0) {
      return SendResult::delivered;
    }
    Producer<String, byte[]> p = producer();

    AtomicReferenceArray<Object> answers = new AtomicReferenceArray<>(n); // null, ACKED or an Exception
    String[] notSent = new String[n];
    boolean[] refused = new boolean[n];
    boolean[] failedInSend = new boolean[n]; // answered from inside send(), on this thread
    Thread self = Thread.currentThread();
    CountDownLatch latch = new CountDownLatch(n);
    Set<String> topicsWithoutMetadata = null;
    RuntimeException producerFailure = null;
    String notSentReason = null;

    for (int i = 0; i < n; i++) {
      BatchEvent e = events.get(i);
      if (producerFailure != null) {
        notSent[i] = notSentReason;
        latch.countDown();
        continue;
      }
      KafkaSettings.Route route;
      try {
        route = route(e.stream());
      } catch (IllegalArgumentException ex) {
        notSent[i] = ex.getMessage();
        refused[i] = true;
        latch.countDown();
        continue;
      }
      if (topicsWithoutMetadata != null && topicsWithoutMetadata.contains(route.topic())) {
        notSent[i] = "not sent: no metadata for topic '" + route.topic() + "' (see the batch's other failures)";
        latch.countDown();
        continue;
      }
      String key = e.fields() != null ? route.key().extract(e.fields()) : route.key().extract(e.json());
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(route.topic(), null, key, e.json());
      final int index = i;
      try {
        p.send(record, (metadata, exception) -> {
          if (exception != null && Thread.currentThread() == self) {
            failedInSend[index] = true;
          }
          if (answers.compareAndSet(index, null, exception == null ? ACKED : exception)) {
            latch.countDown();
          }
        });
      } catch (InterruptException ex) {
        Thread.currentThread().interrupt();
        producerFailure = ex;
      } catch (RuntimeException ex) {
        producerFailure = ex;
      }
      if (producerFailure != null) {
        if (answers.compareAndSet(index, null, producerFailure)) {
          latch.countDown();
        }
        notSentReason = "not sent: " + reason(producerFailure);
        continue;
      }
      // Metadata and buffer timeouts are reported synchronously, from inside send(): each further record to the
      // same topic would block the worker for max.block.ms again.
      Object answer = failedInSend[index] ? answers.get(index) : null;
      if (answer instanceof BufferExhaustedException ex) {
        producerFailure = ex;
        notSentReason = "not sent: " + reason(ex);
      } else if (answer instanceof TimeoutException) {
        if (topicsWithoutMetadata == null) {
          topicsWithoutMetadata = new HashSet<>();
        }
        topicsWithoutMetadata.add(route.topic());
      }
    }

    waiting.add(latch);
    long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
    RuntimeException failure = producerFailure;
    String failureReason = notSentReason;
    return () -> collect(p, n, latch, deadline, answers, notSent, refused, failure, failureReason);
  }

  /** Waits for a begun batch's acknowledgements until its deadline and maps each onto an outcome. */
  private SendResult collect(Producer<String, byte[]> p, int n, CountDownLatch latch, long deadline,
      AtomicReferenceArray<Object> answers, String[] notSent, boolean[] refused, RuntimeException producerFailure,
      String notSentReason) throws Exception {
    long timeoutMs = settings.sendTimeout().toMillis();
    boolean complete;
    try {
      complete = !cancelled && latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
          && !cancelled;
    } finally {
      waiting.remove(latch);
    }

    SendResult.Builder result = SendResult.builder(n);
    int delivered = 0;
    int invalid = 0;
    String firstRetry = null;
    boolean reset = producerFailure != null && !(producerFailure instanceof BufferExhaustedException)
        && !(producerFailure instanceof InterruptException);
    for (int i = 0; i < n; i++) {
      if (notSent[i] != null) {
        if (refused[i]) {
          result.invalid(i, notSent[i]);
          invalid++;
        } else {
          result.retry(i, notSent[i]);
          firstRetry = firstRetry == null ? notSent[i] : firstRetry;
        }
        continue;
      }
      Object answer = answers.get(i);
      if (answer == ACKED) {
        delivered++;
      } else if (answer == null) {
        String r = cancelled ? "not acknowledged before the service closed"
            : "no acknowledgement from Kafka within sendTimeout (" + timeoutMs + " ms)";
        result.retry(i, r);
        firstRetry = firstRetry == null ? r : firstRetry;
      } else {
        Throwable ex = (Throwable) answer;
        String r = reason(ex);
        if (isInvalid(ex)) {
          result.invalid(i, r);
          invalid++;
        } else {
          result.retry(i, r);
          firstRetry = firstRetry == null ? r : firstRetry;
        }
        reset |= breaksProducer(ex);
      }
    }
    if (!complete && !cancelled) {
      log.warn("Kafka service '{}': {} of {} records unacknowledged after sendTimeout ({} ms)",
          settings.serviceName(), latch.getCount(), n, timeoutMs);
    }
    if (reset) {
      resetProducer(p);
    }
    if (delivered == n) {
      return SendResult.delivered();
    }
    if (delivered == 0 && invalid == 0) {
      // Nothing got through and nothing was refused: the cluster or the producer failed, not the events.
      throw new KafkaSendException("Kafka (" + settings.bootstrapServers() + ") took none of " + n + " events: "
          + firstRetry);
    }
    return result.build();
  }

  /** Stops waiting for the current batch's acknowledgements: the service is closing past its deadline. */
  @Override
  public void cancel() {
    cancelled = true;
    for (CountDownLatch l : waiting) {
      while (l.getCount() > 0) {
        l.countDown();
      }
    }
  }

  /**
   * Closes the producer at once. Every send waited for its acknowledgements, so the producer holds no record the
   * engine still counts on: records left from a send that timed out were already reported for retry.
   */
  @Override
  public void close() {
    closed = true;
    Producer<String, byte[]> p = producer;
    producer = null;
    if (p != null) {
      try {
        p.close(Duration.ZERO);
      } catch (RuntimeException e) {
        log.warn("Kafka service '{}': closing the producer failed: {}", settings.serviceName(), reason(e));
      }
    }
  }

  /** The producer, creating it if {@link #start()} could not (or the last one broke). */
  private Producer<String, byte[]> producer() throws KafkaSendException {
    Producer<String, byte[]> p = producer;
    if (p != null) {
      return p;
    }
    if (closed) {
      throw new KafkaSendException("the Kafka transport is closed");
    }
    try {
      p = factory.apply(settings.producerProperties());
    } catch (KafkaException e) {
      throw new KafkaSendException("cannot create a Kafka producer for " + settings.bootstrapServers() + ": "
          + settings.redact(describeChain(e)));
    }
    producer = p;
    return p;
  }

  private KafkaSettings.Route route(String stream) {
    KafkaSettings.Route r = routes.get(stream);
    if (r == null) {
      r = settings.routeFor(stream);
      routes.put(stream, r);
    }
    return r;
  }

  private void resetProducer(Producer<String, byte[]> p) {
    if (producer == p) {
      producer = null;
    }
    try {
      p.close(Duration.ZERO);
    } catch (RuntimeException e) {
      log.debug("closing a failed producer", e);
    }
    log.warn("Kafka service '{}': the producer failed and will be recreated for the next batch",
        settings.serviceName());
  }

  /** Whether the destination will never take this record, whatever the retries. */
  static boolean isInvalid(Throwable ex) {
    return ex instanceof RecordTooLargeException
        || ex instanceof RecordBatchTooLargeException
        || ex instanceof InvalidTopicException
        || ex instanceof InvalidRecordException
        || ex instanceof AuthorizationException
        || ex instanceof SerializationException;
    // Not AuthenticationException: bad credentials are a deployment problem, fixed by an operator, not a bad event
    // (as HTTP's 401): those events are retried, count against the breaker, and wait rather than being thrown away.
  }

  /** Errors after which an idempotent producer is not usable any more and must be replaced. */
  static boolean breaksProducer(Throwable ex) {
    return ex instanceof ClusterAuthorizationException
        || ex instanceof OutOfOrderSequenceException
        || ex instanceof UnsupportedVersionException
        || (ex instanceof KafkaException && !(ex instanceof ApiException) && !(ex instanceof SerializationException)
            && !(ex instanceof InterruptException));
  }

  /** A short, secret-free reason: the exception's class and message. */
  String reason(Throwable ex) {
    String msg = ex.getMessage();
    String r = ex.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
    r = settings.redact(r);
    return r.length() > MAX_REASON ? r.substring(0, MAX_REASON) + "..." : r;
  }

  private static String describeChain(Throwable e) {
    StringBuilder sb = new StringBuilder();
    Set<Throwable> seen = new HashSet<>();
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      if (sb.length() > 0) {
        sb.append(" <- ");
      }
      sb.append(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        sb.append(": ").append(t.getMessage());
      }
    }
    return sb.toString();
  }

  private static boolean unresolvable(Throwable e) {
    Map<Throwable, Boolean> seen = new HashMap<>();
    for (Throwable t = e; t != null && seen.put(t, true) == null; t = t.getCause()) {
      if (t instanceof ConfigException && t.getMessage() != null
          && t.getMessage().contains("No resolvable bootstrap urls")) {
        return true;
      }
    }
    return false;
  }

  /** A failure of a whole batch: the engine retries it and counts a circuit-breaker failure. */
  static final class KafkaSendException extends Exception {
    KafkaSendException(String message) {
      super(message);
    }
  }
}
