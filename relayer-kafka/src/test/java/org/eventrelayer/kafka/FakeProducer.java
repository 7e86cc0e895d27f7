package org.eventrelayer.kafka;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A producer whose answer to each record the test chooses: acknowledged, failed at once (as kafka-clients fails
 * metadata and buffer timeouts, inside {@code send()}), failed later from another thread (as the network thread
 * does), never answered, or {@code send()} itself throwing.
 */
final class FakeProducer extends MockProducer<String, byte[]> {

  /** What happens to one record. */
  sealed interface Answer permits Ack, FailNow, FailLater, Hold, Throw {}

  /** Acknowledged, from another thread. */
  record Ack() implements Answer {}

  /** The callback gets {@code error} from inside {@code send()}. */
  record FailNow(RuntimeException error) implements Answer {}

  /** The callback gets {@code error} from another thread, after {@code send()} returned. */
  record FailLater(RuntimeException error) implements Answer {}

  /** Never answered. */
  record Hold() implements Answer {}

  /** {@code send()} throws {@code error}. */
  record Throw(RuntimeException error) implements Answer {}

  private static final ScheduledExecutorService NETWORK = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fake-producer-network");
    t.setDaemon(true);
    return t;
  });

  private final Function<ProducerRecord<String, byte[]>, Answer> answers;
  final List<ProducerRecord<String, byte[]>> sent = new CopyOnWriteArrayList<>();
  volatile boolean closedNow;

  FakeProducer(Function<ProducerRecord<String, byte[]>, Answer> answers) {
    this.answers = answers;
  }

  @Override
  public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
    Answer a = answers.apply(record);
    if (a instanceof Throw t) {
      throw t.error();
    }
    sent.add(record);
    CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
    RecordMetadata md = new RecordMetadata(new TopicPartition(record.topic(), 0), sent.size(), 0, 0L, 0, 0);
    if (a instanceof Ack) {
      NETWORK.schedule(() -> {
        callback.onCompletion(md, null);
        f.complete(md);
      }, 1, TimeUnit.MILLISECONDS);
    } else if (a instanceof FailNow x) {
      callback.onCompletion(null, x.error());
      f.completeExceptionally(x.error());
    } else if (a instanceof FailLater x) {
      NETWORK.schedule(() -> {
        callback.onCompletion(null, x.error());
        f.completeExceptionally(x.error());
      }, 1, TimeUnit.MILLISECONDS);
    }
    return f;
  }

  @Override
  public void close(java.time.Duration timeout) {
    closedNow = true;
    super.close(timeout);
  }
}
