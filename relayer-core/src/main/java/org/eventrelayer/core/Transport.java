package org.eventrelayer.core;

import org.eventrelayer.spi.ServiceContext;

/**
 * Turns one batch into a request and the answer into per-event outcomes. This is all a transport writes: the
 * {@link DeliveryEngine} owns queueing, batching, retry, the circuit breaker, stats and lifecycle.
 *
 * <p>One way of sending: {@link #begin(Batch)} starts a batch and returns its {@link Flight}, whose
 * {@link Flight#await()} gives the outcomes. A transport that sends and waits in one call implements
 * {@link SynchronousTransport} instead, which adapts its {@code send} to this. Every method but {@link #cancel()}
 * is called only from the engine's single worker thread, never concurrently, never from a host thread; a transport
 * bounds its own waits (timeouts) and closes every resource on every path.
 */
public interface Transport extends AutoCloseable {

  /**
   * Checks at build time that this transport can carry {@code stream} (e.g. that its topic name is valid).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  default void checkStream(String stream) {}

  /**
   * Starts sending a batch and returns a handle on its outcome. A transport that can overlap batches (Kafka: the
   * records are handed to the producer and the acks come later) returns as soon as the batch is on its way, so the
   * engine builds the next batch meanwhile, up to {@link #maxInFlightBatches()} at once.
   *
   * @throws Exception on a failure of the whole exchange (connection refused, timeout, reset): the engine retries
   *     every event of the batch with backoff and counts a circuit-breaker failure
   */
  Flight begin(Batch batch) throws Exception;

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
     * @throws Exception like {@link Transport#begin(Batch)}
     */
    SendResult await() throws Exception;
  }

  /**
   * Aborts the exchanges in progress, from another thread, when {@code close()}'s deadline has passed (e.g.
   * cancel the HTTP call stuck on a hung server). The aborted flight may throw or return anything.
   */
  default void cancel() {}

  /** Releases every thread, connection and buffer. Called once, from the engine, after the last batch. */
  @Override
  void close();

  /** Creates the transport of one service. */
  @FunctionalInterface
  interface Factory {

    /**
     * Creates the transport from {@code context}, whose config holds the service's keys without the delivery
     * engine's (so a transport that passes unknown keys through, such as Kafka's producer properties, never sees
     * them).
     *
     * @throws org.eventrelayer.ConfigException naming the key at fault
     */
    Transport create(ServiceContext context);
  }
}
