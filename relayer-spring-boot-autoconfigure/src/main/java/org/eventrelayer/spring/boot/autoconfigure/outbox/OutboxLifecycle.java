package org.eventrelayer.spring.boot.autoconfigure.outbox;

import java.util.Objects;
import org.eventrelayer.outbox.Outbox;
import org.eventrelayer.spring.boot.autoconfigure.EventRelayerGroupLifecycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Starts an {@link Outbox}'s relay when the context has started and closes it when the context stops, in phase
 * {@link #PHASE}: above the group's ({@link EventRelayerGroupLifecycle#PHASE}), so the relay stops (handing back
 * the rows it holds) before the group closes, and below the task executors' and the web server's, so requests and
 * tasks that write to the outbox finish before it refuses further writes.
 */
public final class OutboxLifecycle implements SmartLifecycle, DisposableBean {

  /** Between the group's phase and the task executors' ({@code Integer.MAX_VALUE / 2}). */
  public static final int PHASE = EventRelayerGroupLifecycle.PHASE + 512;

  private static final Logger log = LoggerFactory.getLogger(OutboxLifecycle.class);

  private final Outbox outbox;
  private volatile boolean running;

  /** Manages {@code outbox}, which must not be started or closed by anyone else. */
  public OutboxLifecycle(Outbox outbox) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
  }

  /** Starts the relay: rows committed earlier, by this host or another, are relayed too. */
  @Override
  public void start() {
    outbox.start();
    running = true;
  }

  /** Stops the relay within the outbox's close timeout; rows not yet final stay in the table. Idempotent. */
  @Override
  public void stop() {
    if (!running) {
      return;
    }
    running = false;
    outbox.close();
    log.info("eventrelayer: outbox of table '{}' closed; rows not yet final stay in the table for the next relay",
        outbox.table());
  }

  /** Closes the outbox if {@link #stop()} did not (a context that failed to start). */
  @Override
  public void destroy() {
    outbox.close();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
