package org.eventrelayer.purger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eventrelayer.DeliveryReport;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.core.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends purges through the stages in order, each stage a cdn-purge relayer on one event service of the purger's
 * group (so each gets that service type's batching, coalescing of queued equal URLs, retries, breaker and dead
 * letters), the next stage {@code stageDelay} after the previous one was final for a set of purges. When the last
 * stage is final, the purges go to {@code finished}.
 *
 * <p>Thread-safe: called from the consumer thread (first stage) and from delivery callbacks; delays and re-offers
 * run on its one scheduler thread. A purge the service refuses because its queue is full is offered again shortly
 * (back-pressure, not loss); one refused for good (an invalid URL) is final and counted as failed. A set of purges
 * of which the service dropped any (closed before a verdict) is not final: its records stay uncommitted.
 */
final class StagePipeline implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StagePipeline.class);
  private static final Duration REOFFER_DELAY = Duration.ofMillis(20);

  private final List<EventRelayer> relayers = new ArrayList<>();
  private final List<String> channels = new ArrayList<>();
  private final long delayNanos;
  private final Consumer<List<Purge>> finished;
  private final PurgeCounters counters;
  private final ScheduledExecutorService scheduler;
  private final RateLimitedLogger limited = new RateLimitedLogger(log, Duration.ofSeconds(10));
  private volatile boolean closed;

  StagePipeline(EventRelayerGroup group, List<String> stages, Duration delay, Consumer<List<Purge>> finished,
      PurgeCounters counters) {
    for (String stage : stages) {
      String channel = PurgerSettings.channel(stage);
      channels.add(channel);
      relayers.add(group.getRelayer(channel));
    }
    this.delayNanos = delay.toNanos();
    this.finished = finished;
    this.counters = counters;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "eventrelayer-purger-stages");
      t.setDaemon(true);
      return t;
    });
  }

  /** Sends purges to the first stage. */
  void send(List<Purge> purges) {
    counters.purges.add(purges.size());
    send(purges, 0);
  }

  private void send(List<Purge> purges, int stage) {
    if (purges.isEmpty() || closed) {
      return;
    }
    List<Map<String, Object>> events = new ArrayList<>(purges.size());
    for (Purge p : purges) {
      Map<String, Object> e = new HashMap<>(4);
      e.put("url", p.url);
      e.put("timestamp", p.eventMillis);
      if (p.requestId != null) {
        e.put("request_id", p.requestId);
      }
      events.add(e);
    }
    RelayResult r = relayers.get(stage).notifyMulti(channels.get(stage), events);
    List<Purge> accepted = purges;
    if (!r.refused().isEmpty()) {
      accepted = new ArrayList<>(purges.size());
      List<Purge> again = new ArrayList<>();
      Set<Integer> refused = new HashSet<>();
      for (Refusal x : r.refused()) {
        refused.add(x.index());
        Purge p = purges.get(x.index());
        if (x.reason() == RefusalReason.QUEUE_FULL) {
          again.add(p);
        } else if (x.reason() == RefusalReason.CLOSED) {
          continue; // closing: not final, the records stay uncommitted
        } else {
          limited.warn("refused", "eventrelayer purger: stage '{}' refused a purge of {} for good ({}: {})",
              channels.get(stage), p.url, x.reason(), x.detail());
          counters.failedPurges.increment();
          finishedAt(List.of(p), stage); // final: a refusal is a verdict
        }
      }
      for (int i = 0; i < purges.size(); i++) {
        if (!refused.contains(i)) {
          accepted.add(purges.get(i));
        }
      }
      if (!again.isEmpty()) {
        schedule(() -> send(again, stage), REOFFER_DELAY.toNanos());
      }
    }
    if (accepted.isEmpty()) {
      return;
    }
    List<Purge> sent = accepted;
    r.delivery().whenComplete((report, error) -> afterStage(sent, stage, report, error));
  }

  private void afterStage(List<Purge> purges, int stage, DeliveryReport report, Throwable error) {
    if (error != null || report == null) {
      limited.warn("tracking", "eventrelayer purger: lost track of {} purge(s) at stage '{}': {}",
          purges.size(), channels.get(stage), String.valueOf(error));
      return;
    }
    if (report.dropped() > 0) {
      return; // abandoned without a verdict (service closed): not final, re-purged after a restart
    }
    if (report.deadLettered() > 0) {
      counters.failedPurges.add(report.deadLettered());
    }
    finishedAt(purges, stage);
  }

  /** {@code purges} are final at {@code stage}: on to the next, or done. */
  private void finishedAt(List<Purge> purges, int stage) {
    if (stage + 1 < relayers.size()) {
      schedule(() -> send(purges, stage + 1), delayNanos);
    } else {
      finished.accept(purges);
    }
  }

  private void schedule(Runnable task, long delay) {
    if (closed) {
      return;
    }
    try {
      scheduler.schedule(task, delay, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing: what was not sent stays uncommitted
    }
  }

  /** Stops scheduling: purges between stages are left uncommitted (a restart purges them again). */
  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
  }
}
