package org.eventrelayer.spring.boot.autoconfigure;

import java.util.Objects;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;

/**
 * Closes an {@link EventRelayerGroup} when the application context stops: {@link EventRelayerGroup#close()} drains
 * what was accepted within the group's {@code closeTimeout} (default 10 s), then stops every thread and
 * connection, counting as {@code dropped} what is still undelivered.
 *
 * <p>Its phase, {@link #PHASE}, is below those of the producers of events: the embedded web server and its graceful
 * shutdown, message listener containers (default phase), and Spring's task executors and schedulers
 * ({@code @Async}, {@code @Scheduled}; phase {@link ExecutorConfigurationSupport#DEFAULT_PHASE}). They stop first:
 * requests in progress and tasks finish while the group still relays, and the flush then sees every event they
 * produced. The stop is synchronous, so the context's shutdown waits for it, up to {@code closeTimeout}: keep the
 * web server's graceful shutdown plus {@code closeTimeout} below the time the platform gives a stopping process.
 */
public final class EventRelayerGroupLifecycle implements SmartLifecycle, DisposableBean {

  /**
   * Below the task executors' phase ({@code Integer.MAX_VALUE / 2}), and so below the web server's and the default
   * phase: the group starts before them and stops after them; above the logging system's, which still logs then.
   */
  public static final int PHASE = ExecutorConfigurationSupport.DEFAULT_PHASE - 1024;

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
