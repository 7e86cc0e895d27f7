package org.eventrelayer.purger;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.ServiceStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains {@code resource_change} purge events from Kafka into caches and CDNs: a member of a consumer group (run N
 * purgers with the same {@code kafka.group.id} and they share the partitions), purging each event's
 * {@code meta.uri} through the event services listed in {@code stages}, in order, {@code stageDelay} apart (e.g.
 * Varnish backends, then frontends one second later, as Wikimedia's purged does).
 *
 * <p>Events older than {@code maxAge} are dropped (counted); equal URLs arriving within {@code coalesceWindow} of
 * each other become one purge; a record that is not a purge event is dead-lettered (to {@code deadLetterTopic},
 * if set) and the partition goes on. An offset is committed only once every record before it is final, so a
 * restart purges again at most what was not final (at-least-once). Keys are in the README, "Purging caches and
 * CDNs".
 *
 * <pre>{@code
 * try (Purger purger = Purger.fromProperties(props).start()) {
 *   ...
 * }
 * }</pre>
 */
public final class Purger implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Purger.class);

  private final PurgerSettings settings;
  private final EventRelayerGroup group;
  private final PurgeCounters counters = new PurgeCounters();
  private final StagePipeline stages;
  private final RecordDeadLetters deadLetters;
  private final ConsumerLoop loop;
  private final Thread thread;
  private boolean started;
  private boolean closed;

  private Purger(PurgerSettings settings) {
    this.settings = settings;
    this.group = EventRelayerGroup.fromMap(settings.groupConfig());
    RecordDeadLetters dl = null;
    KafkaConsumer<byte[], byte[]> consumer = null;
    try {
      dl = new RecordDeadLetters(settings.deadLetterTopic, settings.consumer);
      consumer = new KafkaConsumer<>(settings.consumer);
    } catch (RuntimeException e) {
      if (dl != null) {
        dl.close();
      }
      group.close(Duration.ZERO);
      throw e;
    }
    this.deadLetters = dl;
    ConsumerLoop[] self = new ConsumerLoop[1];
    this.stages = new StagePipeline(group, settings.stages, settings.stageDelay, p -> self[0].purged(p), counters);
    this.loop = new ConsumerLoop(consumer, settings, stages, deadLetters, counters);
    self[0] = loop;
    this.thread = new Thread(loop, "eventrelayer-purger-consumer");
    thread.setDaemon(true);
  }

  /**
   * A purger from a nested map (e.g. read from YAML). Builds and checks everything; touches no network.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  public static Purger fromMap(Map<String, ?> config) {
    return new Purger(PurgerSettings.fromMap(config));
  }

  /**
   * A purger from flat properties (lists comma-separated).
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  public static Purger fromProperties(Properties properties) {
    return new Purger(PurgerSettings.fromProperties(properties));
  }

  /** Joins the consumer group and starts purging; returns at once. Calling it again does nothing. */
  public synchronized Purger start() {
    if (closed) {
      throw new IllegalStateException("purger closed");
    }
    if (!started) {
      started = true;
      thread.start();
      log.info("eventrelayer purger: reading {} as group {}, purging through {}", settings.topics,
          settings.consumer.get("group.id"), settings.stages);
    }
    return this;
  }

  /** The purger's counters, backlog, consumer lag and event-to-purge lag. */
  public PurgerStats stats() {
    return counters.snapshot();
  }

  /** The stats of each stage's event service, by service name. */
  public Map<String, ServiceStats> stageStats() {
    return group.serviceStats();
  }

  /**
   * Stops gracefully within {@code timeout}: polls no more records, sends what waits, lets the stages finish, commits
   * what is final, then closes the consumer and the services. What is not final by then stays uncommitted and is
   * purged again by the next purger of the group.
   *
   * @return whether everything polled was final (nothing left for a restart)
   */
  public synchronized boolean close(Duration timeout) {
    if (closed) {
      return true;
    }
    closed = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean drained = true;
    if (started) {
      loop.stop(timeout);
      try {
        // The loop ends by the deadline; the margin covers its final commit and consumer close.
        if (!loop.awaitStopped(timeout.plusSeconds(15))) {
          log.warn("eventrelayer purger: the consumer thread did not stop in time");
          drained = false;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        drained = false;
      }
    }
    drained &= counters.backlog == 0;
    stages.close();
    deadLetters.close();
    long left = Math.max(0, deadline - System.nanoTime());
    group.close(Duration.ofNanos(left));
    PurgerStats s = counters.snapshot();
    log.info("eventrelayer purger stopped: {} records polled, {} purged, {} too old, {} dead-lettered, {} left "
        + "uncommitted", s.polled(), s.purged(), s.tooOld(), s.deadLettered(), s.backlog());
    return drained;
  }

  /** {@link #close(Duration)} with {@code closeTimeout} (default 10 s). */
  @Override
  public void close() {
    close(settings.closeTimeout);
  }
}
