package org.eventrelayer.core;

/**
 * Turns one batch into a request and the answer into per-event outcomes. This is all a transport writes: the
 * {@link DeliveryEngine} owns queueing, batching, retry, the circuit breaker, stats and lifecycle.
 *
 * <p>{@link #send(Batch)} is only ever called from the engine's single worker thread, never concurrently, and
 * never from a host thread. It must bound its own wait (timeouts) and close every resource on every path.
 */
public interface Transport extends AutoCloseable {

  /**
   * Checks at build time that this transport can carry {@code stream} (e.g. that its topic name is valid).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  default void checkStream(String stream) {}

  /**
   * Sends one batch and reports what became of each event.
   *
   * @return the per-event outcomes
   * @throws Exception on a failure of the whole exchange (connection refused, timeout, reset); the engine then
   *     retries the whole batch and counts a circuit-breaker failure
   */
  SendResult send(Batch batch) throws Exception;

  /**
   * Starts sending a batch and returns a handle on its outcome. A transport that can overlap batches (Kafka: the
   * records are handed to the producer and the acks come later) returns as soon as the batch is on its way, so the
   * engine builds the next batch meanwhile, up to {@link #maxInFlightBatches()} at once. The default sends
   * synchronously. Called on the worker only.
   *
   * @throws Exception like {@link #send(Batch)}
   */
  default Flight begin(Batch batch) throws Exception {
    SendResult result = send(batch);
    return () -> result;
  }

  /** How many batches may be in flight at once: 1 (the default) sends them one after the other. */
  default int maxInFlightBatches() {
    return 1;
  }

  /** A batch on its way. */
  @FunctionalInterface
  interface Flight {

    /**
     * Waits for the batch's outcome, bounded by the transport's own timeouts. Called on the worker only, in the
     * order the batches were begun.
     *
     * @throws Exception like {@link Transport#send(Batch)}
     */
    SendResult await() throws Exception;
  }

  /**
   * Aborts a {@link #send(Batch)} in progress, from another thread, when {@code close()}'s deadline has passed
   * (e.g. cancel the HTTP call stuck on a hung server). The aborted send may throw or return anything.
   */
  default void cancel() {}

  /** Releases every thread, connection and buffer. Called once, from the engine, after the last send. */
  @Override
  void close();
}
