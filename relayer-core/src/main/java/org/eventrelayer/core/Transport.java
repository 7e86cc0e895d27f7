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
   * engine builds the next batch meanwhile, up to {@link #maxInFlightBatches()} at once. With several batches in
   * flight, ordering is per event only: a batch may be answered, and an event retried, after later ones.
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
     * Waits for the batch's outcome, bounded by the transport's own timeouts. Called on the worker only, once. A
     * flight that {@linkplain #whenDone tells when it is done} is awaited only then, in the order the answers
     * arrive; any other is awaited in the order the batches were begun.
     *
     * @throws Exception like {@link Transport#begin(Batch)}
     */
    SendResult await() throws Exception;

    /**
     * Asks the flight to run {@code done} once, from any thread (possibly at once, on the worker), as soon as
     * {@link #await()} would no longer wait: the answer or the failure is in, or the flight's own time bound has
     * passed. The engine then takes this batch's outcome as soon as it is in, whatever the batches begun before it
     * are waiting for, so a slow answer holds no other batch's slot. {@code done} only wakes the worker: it is
     * cheap, never throws, and may be run more than once.
     *
     * @return whether the flight will run {@code done}; {@code false} (the default) means it cannot tell, and the
     *     engine awaits it in the order the batches were begun
     */
    default boolean whenDone(Runnable done) {
      return false;
    }

    /** A flight already answered with {@code result}: {@link #whenDone} runs its signal at once. */
    static Flight answered(SendResult result) {
      return new Flight() {
        @Override
        public SendResult await() {
          return result;
        }

        @Override
        public boolean whenDone(Runnable done) {
          done.run();
          return true;
        }
      };
    }
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
