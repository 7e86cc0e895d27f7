package org.eventrelayer.spring.boot.autoconfigure;

import java.util.Objects;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Closes an {@link EventRelayerGroup} when the application context stops: {@link EventRelayerGroup#close()} drains
 * what was accepted within the group's {@code closeTimeout} (default 10 s), then stops every thread and
 * connection, counting as {@code dropped} what is still undelivered.
 *
 * <p>Its phase, {@link #PHASE}, is below that of the embedded web server and of everything in the default phase
 * (message listener containers, task executors and schedulers), so those producers of events stop first: requests
 * in progress and graceful shutdown finish while the group still relays, and the flush then sees every event they
 * produced. Spring waits for one shutdown phase at most {@code spring.lifecycle.timeout-per-shutdown-phase}
 * (default 30 s): keep {@code closeTimeout} below it.
 */
public final class EventRelayerGroupLifecycle implements SmartLifecycle, DisposableBean {

  /**
   * Below the web server's start/stop phase ({@code DEFAULT_PHASE - 2048}) and its graceful shutdown
   * ({@code DEFAULT_PHASE - 1024}): the group starts before them and stops after them.
   */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private static final Logger log = LoggerFactory.getLogger(EventRelayerGroupLifecycle.class);

  private final EventRelayerGroup group;
  private volatile boolean running;

  /** Manages {@code group}, which must not be closed by anyone else. */
  public EventRelayerGroupLifecycle(EventRelayerGroup group) {
    this.group = Objects.requireNonNull(group, "group");
  }

  /** Marks the group running: it was started when it was built. */
  @Override
  public void start() {
    running = true;
  }

  /** Flushes the group within its {@code closeTimeout}, then closes it. Idempotent. */
  @Override
  public void stop() {
    if (!running) {
      return;
    }
    running = false;
    group.close();
    long dropped = group.serviceStats().values().stream().mapToLong(ServiceStats::dropped).sum();
    if (dropped > 0) {
      log.warn("eventrelayer: group closed; {} accepted event(s) were still undelivered at its closeTimeout and "
          + "are counted as dropped", dropped);
    } else {
      log.info("eventrelayer: group closed; every accepted event was final");
    }
  }

  /**
   * Closes the group if {@link #stop()} did not: when the context fails to start after the group was built, no
   * lifecycle stop runs, and the group's threads must not outlive the context.
   */
  @Override
  public void destroy() {
    group.close();
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
