package org.eventrelayer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.eventrelayer.kafka.KafkaTestSupport.context;
import static org.eventrelayer.kafka.KafkaTestSupport.map;
import static org.eventrelayer.kafka.KafkaTestSupport.utf8;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.core.SendResult.Outcome;
import org.junit.jupiter.api.Test;

/** How the transport turns each producer answer into an outcome; a scripted producer stands in for the broker. */
class KafkaTransportMappingTest {

  private static KafkaSettings settings(Object... kv) {
    Map<String, Object> m = map(kv);
    m.putIfAbsent("bootstrap.servers", "127.0.0.1:9");
    return KafkaSettings.parse(context("k", m));
  }

  private static BatchEvent event(String stream, String id) {
    return BatchEvent.of(stream, utf8("{\"meta\":{\"id\":\"" + id + "\"}}"), id, Map.of("meta", Map.of("id", id)));
  }

  private static KafkaTransport transport(KafkaSettings s, FakeProducer p) {
    KafkaTransport t = new KafkaTransport(s, props -> p);
    t.start();
    return t;
  }

  @Test
  void everyProducerAnswerMapsOntoItsOutcome() throws Exception {
    Map<String, FakeProducer.Answer> script = new java.util.LinkedHashMap<>();
    script.put("ok", new FakeProducer.Ack());
    script.put("too-large", new FakeProducer.FailNow(new RecordTooLargeException("The message is 2097224 bytes "
        + "when serialized which is larger than 1048576, which is the value of the max.request.size configuration.")));
    script.put("authz", new FakeProducer.FailLater(new TopicAuthorizationException("Not authorized to access "
        + "topics: [purges]")));
    script.put("authn", new FakeProducer.FailLater(new SaslAuthenticationException("Authentication failed: "
        + "Invalid username or password")));
    script.put("bad-topic", new FakeProducer.FailLater(new InvalidTopicException("Invalid topic")));
    script.put("bad-record", new FakeProducer.FailLater(new InvalidRecordException("Compacted topic cannot "
        + "accept message without key")));
    script.put("serialization", new FakeProducer.FailNow(new SerializationException("cannot serialize")));
    script.put("replicas", new FakeProducer.FailLater(new NotEnoughReplicasException("Messages are rejected "
        + "since there are fewer in-sync replicas than required.")));
    script.put("leader", new FakeProducer.FailLater(new NotLeaderOrFollowerException("leader moved")));
    script.put("expired", new FakeProducer.FailLater(new TimeoutException("Expiring 1 record(s) for purges-0: "
        + "2001 ms has passed since batch creation")));
    script.put("unknown", new FakeProducer.FailLater(new UnknownServerException("broker bug")));
    FakeProducer p = new FakeProducer(r -> script.get(idOf(r)));
    KafkaTransport t = transport(settings(), p);
    List<String> ids = new ArrayList<>(script.keySet());
    List<BatchEvent> events = ids.stream().map(id -> event("purges", id)).toList();

    SendResult r = t.send(Batch.of(events));

    Map<String, String> got = new java.util.LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      got.put(ids.get(i), r.outcome(i) + (r.reason(i) == null ? "" : " " + r.reason(i)));
    }
    assertThat(got).containsEntry("ok", "DELIVERED")
        .containsEntry("too-large", "INVALID RecordTooLargeException: The message is 2097224 bytes when serialized "
            + "which is larger than 1048576, which is the value of the max.request.size configuration.")
        .containsEntry("authz", "INVALID TopicAuthorizationException: Not authorized to access topics: [purges]")
        .containsEntry("authn", "RETRY SaslAuthenticationException: Authentication failed: Invalid username or password")
        .containsEntry("bad-topic", "INVALID InvalidTopicException: Invalid topic")
        .containsEntry("bad-record", "INVALID InvalidRecordException: Compacted topic cannot accept message without key")
        .containsEntry("serialization", "INVALID SerializationException: cannot serialize")
        .containsEntry("replicas", "RETRY NotEnoughReplicasException: Messages are rejected since there are fewer "
            + "in-sync replicas than required.")
        .containsEntry("leader", "RETRY NotLeaderOrFollowerException: leader moved")
        .containsEntry("expired", "RETRY TimeoutException: Expiring 1 record(s) for purges-0: 2001 ms has passed "
            + "since batch creation")
        .containsEntry("unknown", "RETRY UnknownServerException: broker bug");
    assertThat(r.hasRetries()).isTrue();
    t.close();
  }

  @Test
  void allDeliveredIsOneResult() throws Exception {
    FakeProducer p = new FakeProducer(r -> new FakeProducer.Ack());
    KafkaTransport t = transport(settings(), p);
    SendResult r = t.send(Batch.of(List.of(event("a", "1"), event("b", "2"))));
    assertThat(r).isSameAs(SendResult.delivered());
    assertThat(p.sent).extracting(ProducerRecord::topic).containsExactly("a", "b");
    assertThat(t.send(Batch.of(List.of()))).isSameAs(SendResult.delivered());
    t.close();
    assertThat(p.closedNow).isTrue();
  }

  @Test
  void keysComeFromTheConfiguredPathWhetherFieldsAreKnownOrOnlyJson() throws Exception {
    FakeProducer p = new FakeProducer(r -> new FakeProducer.Ack());
    KafkaSettings s = KafkaSettings.parse(context("k", map("bootstrap.servers", "127.0.0.1:9", "key", "wsid"),
        Map.of("resource-purge", map("key", "meta.uri", "topic", "purges"),
            "unkeyed", map("key", "none"))));
    KafkaTransport t = transport(s, p);
    String purge = "{\"meta\":{\"uri\":\"https://en.example.org/wiki/A\",\"domain\":\"en.example.org\"}}";
    Map<String, Object> purgeFields = Map.of("meta", Map.of("uri", "https://en.example.org/wiki/A"));
    String ws = "{\"wsid\":42,\"objid\":7,\"evtype\":\"NEW_VERSION\"}";
    t.send(Batch.of(List.of(
        BatchEvent.of("resource-purge", utf8(purge), null, purgeFields),
        BatchEvent.of("resource-purge", utf8(purge), null, null),
        BatchEvent.of("workspace-events", utf8(ws), null, Map.of("wsid", 42, "objid", 7)),
        BatchEvent.of("workspace-events", utf8(ws), null, null),
        BatchEvent.of("workspace-events", utf8("{\"evtype\":\"X\"}"), null, null),
        BatchEvent.of("workspace-events", utf8("{\"wsid\":{\"a\":[1,2]}}"), null, null),
        BatchEvent.of("unkeyed", utf8(ws), null, null))));
    assertThat(p.sent).extracting(ProducerRecord::topic)
        .containsExactly("purges", "purges", "workspace-events", "workspace-events", "workspace-events",
            "workspace-events", "unkeyed");
    assertThat(p.sent).extracting(ProducerRecord::key)
        .containsExactly("https://en.example.org/wiki/A", "https://en.example.org/wiki/A", "42", "42", null,
            "{\"a\":[1,2]}", null);
    assertThat(p.sent.get(0).value()).isEqualTo(utf8(purge));
    t.close();
  }

  @Test
  void aMetadataTimeoutFailsTheBatchWithoutBlockingOnceMorePerRecord() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    FakeProducer p = new FakeProducer(r -> {
      calls.incrementAndGet();
      return new FakeProducer.FailNow(new TimeoutException("Topic purges not present in metadata after 1000 ms."));
    });
    KafkaTransport t = transport(settings(), p);
    List<BatchEvent> events = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      events.add(event("purges", "e" + i));
    }
    assertThatThrownBy(() -> t.send(Batch.of(events)))
        .isInstanceOf(KafkaTransport.KafkaSendException.class)
        .hasMessage("Kafka (127.0.0.1:9) took none of 50 events: TimeoutException: Topic purges not present in "
            + "metadata after 1000 ms.");
    assertThat(calls).hasValue(1);
    t.close();
  }

  @Test
  void aTopicWithoutMetadataDoesNotHoldBackTheOthers() throws Exception {
    FakeProducer p = new FakeProducer(r -> r.topic().equals("missing")
        ? new FakeProducer.FailNow(new TimeoutException("Topic missing not present in metadata after 1000 ms."))
        : new FakeProducer.Ack());
    KafkaTransport t = transport(settings(), p);
    SendResult r = t.send(Batch.of(List.of(event("missing", "1"), event("present", "2"), event("missing", "3"))));
    assertThat(r.outcome(0)).isEqualTo(Outcome.RETRY);
    assertThat(r.reason(0)).isEqualTo("TimeoutException: Topic missing not present in metadata after 1000 ms.");
    assertThat(r.outcome(1)).isEqualTo(Outcome.DELIVERED);
    assertThat(r.outcome(2)).isEqualTo(Outcome.RETRY);
    assertThat(r.reason(2)).startsWith("not sent: no metadata for topic 'missing'");
    assertThat(p.sent).hasSize(2);
    t.close();
  }

  @Test
  void aFullBufferStopsTheBatch() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    FakeProducer p = new FakeProducer(r -> calls.incrementAndGet() == 1 ? new FakeProducer.Ack()
        : new FakeProducer.FailNow(new BufferExhaustedException("Failed to allocate 100 bytes within 1000 ms")));
    KafkaTransport t = transport(settings(), p);
    SendResult r = t.send(Batch.of(List.of(event("a", "1"), event("b", "2"), event("c", "3"))));
    assertThat(r.outcome(0)).isEqualTo(Outcome.DELIVERED);
    assertThat(r.outcome(1)).isEqualTo(Outcome.RETRY);
    assertThat(r.outcome(2)).isEqualTo(Outcome.RETRY);
    assertThat(r.reason(2)).isEqualTo("not sent: BufferExhaustedException: Failed to allocate 100 bytes within 1000 ms");
    assertThat(calls).hasValue(2);
    t.close();
  }

  @Test
  void aProducerThatThrowsFailsTheBatchAndIsReplaced() throws Exception {
    List<FakeProducer> made = new ArrayList<>();
    Function<Map<String, Object>, Producer<String, byte[]>> factory = props -> {
      FakeProducer p = made.isEmpty()
          ? new FakeProducer(r -> new FakeProducer.Throw(new KafkaException("Cannot perform send because at least "
              + "one previous transactional or idempotent request has failed with errors.")))
          : new FakeProducer(r -> new FakeProducer.Ack());
      made.add(p);
      return p;
    };
    KafkaTransport t = new KafkaTransport(settings(), factory);
    t.start();
    assertThatThrownBy(() -> t.send(Batch.of(List.of(event("a", "1"), event("a", "2")))))
        .isInstanceOf(KafkaTransport.KafkaSendException.class)
        .hasMessageContaining("took none of 2 events: KafkaException: Cannot perform send");
    assertThat(made.get(0).closedNow).isTrue();
    assertThat(t.send(Batch.of(List.of(event("a", "1"), event("a", "2"))))).isSameAs(SendResult.delivered());
    assertThat(made).hasSize(2);
    t.close();
  }

  @Test
  void recordsNotAcknowledgedWithinSendTimeoutAreRetried() throws Exception {
    FakeProducer p = new FakeProducer(r -> idOf(r).equals("held") ? new FakeProducer.Hold() : new FakeProducer.Ack());
    KafkaTransport t = transport(settings("request.timeout.ms", "50", "delivery.timeout.ms", "100",
        "sendTimeout", "100ms"), p);
    SendResult r = t.send(Batch.of(List.of(event("a", "ok"), event("a", "held"))));
    assertThat(r.outcome(0)).isEqualTo(Outcome.DELIVERED);
    assertThat(r.outcome(1)).isEqualTo(Outcome.RETRY);
    assertThat(r.reason(1)).isEqualTo("no acknowledgement from Kafka within sendTimeout (100 ms)");
    t.close();
  }

  @Test
  void cancelReleasesTheWaitingWorker() throws Exception {
    FakeProducer p = new FakeProducer(r -> new FakeProducer.Hold());
    KafkaTransport t = transport(settings("sendTimeout", "10m"), p);
    CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
      try {
        t.send(Batch.of(List.of(event("a", "1"), event("a", "2"))));
        return null;
      } catch (Exception e) {
        return e;
      }
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> p.sent.size() == 2);
    t.cancel();
    assertThat(outcome.get(30, java.util.concurrent.TimeUnit.SECONDS))
        .isInstanceOf(KafkaTransport.KafkaSendException.class)
        .hasMessageContaining("not acknowledged before the service closed");
    t.close();
  }

  @Test
  void aStreamWhoseTopicIsInvalidIsRefusedNotSent() throws Exception {
    FakeProducer p = new FakeProducer(r -> new FakeProducer.Ack());
    KafkaTransport t = transport(settings("topicStrict", "true"), p);
    assertThatThrownBy(() -> t.checkStream("resource_purge"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'resource_purge'");
    SendResult r = t.send(Batch.of(List.of(event("resource_purge", "1"), event("resource-purge", "2"))));
    assertThat(r.outcome(0)).isEqualTo(Outcome.INVALID);
    assertThat(r.reason(0)).contains("would go to Kafka topic 'resource_purge'").contains("KBase's rule");
    assertThat(r.outcome(1)).isEqualTo(Outcome.DELIVERED);
    assertThat(p.sent).extracting(ProducerRecord::topic).containsExactly("resource-purge");
    t.close();
  }

  @Test
  void unresolvableBootstrapServersDeferTheProducerToTheFirstSend() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    FakeProducer ok = new FakeProducer(r -> new FakeProducer.Ack());
    KafkaTransport t = new KafkaTransport(settings(), props -> {
      if (attempts.incrementAndGet() <= 2) {
        throw new KafkaException("Failed to construct kafka producer",
            new ConfigException("No resolvable bootstrap urls given in bootstrap.servers"));
      }
      return ok;
    });
    t.start(); // does not throw: DNS may come later
    assertThatThrownBy(() -> t.send(Batch.of(List.of(event("a", "1")))))
        .isInstanceOf(KafkaTransport.KafkaSendException.class)
        .hasMessageContaining("cannot create a Kafka producer for 127.0.0.1:9")
        .hasMessageContaining("No resolvable bootstrap urls");
    assertThat(t.send(Batch.of(List.of(event("a", "1"))))).isSameAs(SendResult.delivered());
    t.close();

    KafkaTransport broken = new KafkaTransport(settings(), props -> {
      throw new KafkaException("Failed to construct kafka producer", new IllegalArgumentException("bad class"));
    });
    assertThatThrownBy(broken::start)
        .isInstanceOf(org.eventrelayer.ConfigException.class)
        .hasMessage("eventServices.k: kafka-clients cannot create a producer from these settings: KafkaException: "
            + "Failed to construct kafka producer <- IllegalArgumentException: bad class");
  }

  private static String idOf(ProducerRecord<String, byte[]> r) {
    String json = new String(r.value(), java.nio.charset.StandardCharsets.UTF_8);
    return json.replaceAll(".*\"id\":\"([^\"]*)\".*", "$1");
  }
}
