package org.eventrelayer.core;

/**
 * A {@link Transport} that sends a batch and waits for its answer in one call (a blocking client): it implements
 * {@link #send(Batch)}, and {@link #begin(Batch)} adapts it, returning a flight already answered.
 */
public interface SynchronousTransport extends Transport {

  /**
   * Sends one batch and reports what became of each event.
   *
   * @throws Exception on a failure of the whole exchange, as {@link Transport#begin(Batch)}
   */
  SendResult send(Batch batch) throws Exception;

  /** Sends the batch at once and returns its answer as an already completed flight. */
  @Override
  default Flight begin(Batch batch) throws Exception {
    return Flight.answered(send(batch));
  }
}
