package org.eventrelayer.core;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A transport whose answers the test scripts: it records every batch and answers with the current script, so
 * engine behaviour (retry, breaker, dead letters, close) can be driven exactly. Registered as type
 * {@code scripted}; each service finds its instance by service name in {@link #INSTANCES}.
 */
final class ScriptedTransport implements SynchronousTransport {

  static final Map<String, ScriptedTransport> INSTANCES = new ConcurrentHashMap<>();

  final String service;
  final List<Batch> batches = new CopyOnWriteArrayList<>();
  final AtomicInteger sends = new AtomicInteger();
  volatile Function<Batch, SendResult> script = b -> SendResult.delivered();
  volatile CountDownLatch hang; // when set, send() waits on it (a hung endpoint) until cancel()
  final CountDownLatch sendStarted = new CountDownLatch(1);
  volatile boolean cancelled;
  volatile boolean closed;

  /**
   * Scripts to start with, by service name, taken by the next transport built for that service: a service that
   * replays a spool starts sending as soon as it is built, before a test could set {@link #script}.
   */
  static final Map<String, Function<Batch, SendResult>> PRESETS = new ConcurrentHashMap<>();

  ScriptedTransport(String service) {
    this.service = service;
    Function<Batch, SendResult> preset = PRESETS.remove(service);
    if (preset != null) {
      script = preset;
    }
  }

  static ScriptedTransport of(String service) {
    return INSTANCES.get(service);
  }

  @Override
  public SendResult send(Batch batch) throws Exception {
    sends.incrementAndGet();
    sendStarted.countDown();
    CountDownLatch h = hang;
    if (h != null) {
      h.await();
      throw new java.io.InterruptedIOException("cancelled");
    }
    batches.add(batch);
    return script.apply(batch);
  }

  /** The JSON of every event in every batch recorded so far. */
  List<String> events() {
    return batches.stream().flatMap(b -> b.events().stream()).map(BatchEvent::jsonString).toList();
  }

  @Override
  public void cancel() {
    cancelled = true;
    CountDownLatch h = hang;
    if (h != null) {
      h.countDown();
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
