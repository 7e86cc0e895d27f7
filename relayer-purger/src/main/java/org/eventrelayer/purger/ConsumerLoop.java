package org.eventrelayer.purger;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eventrelayer.core.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer thread: polls the purge topics, drops what is too old, dead-letters what is not a purge event,
 * coalesces equal URLs during {@code coalesceWindow}, hands due purges to the stages, and commits, per partition,
 * the offset below which every record is final. Pauses the partitions while {@code maxPending} records are open.
 * On stop it polls no more records, sends what waits, and keeps committing until everything is final or the
 * deadline passes. All its state is this thread's; finished purges come back through a queue.
 */
final class ConsumerLoop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
  private static final long COMMIT_INTERVAL_NANOS = Duration.ofMillis(200).toNanos();
  private static final long LAG_INTERVAL_NANOS = Duration.ofMillis(500).toNanos();
  private static final long MAX_POLL_NANOS = Duration.ofMillis(100).toNanos();

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final PurgerSettings settings;
  private final StagePipeline stages;
  private final RecordDeadLetters deadLetters;
  private final PurgeCounters counters;
  private final PendingPurges pending;
  private final Map<TopicPartition, OffsetLedger> ledgers = new HashMap<>();
  private final Queue<Purge.RecordRef> finished = new ConcurrentLinkedQueue<>();
  private final RateLimitedLogger limited = new RateLimitedLogger(log, Duration.ofSeconds(10));
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile long stopDeadline = Long.MAX_VALUE; // nanoTime; MAX_VALUE while running
  private volatile boolean stopping;
  private long lastCommit;
  private long lastLag;

  ConsumerLoop(KafkaConsumer<byte[], byte[]> consumer, PurgerSettings settings, StagePipeline stages,
      RecordDeadLetters deadLetters, PurgeCounters counters) {
    this.consumer = consumer;
    this.settings = settings;
    this.stages = stages;
    this.deadLetters = deadLetters;
    this.counters = counters;
    this.pending = new PendingPurges(settings.coalesceWindow.toNanos());
  }

  /** Called from the stages' callbacks: these purges are final everywhere. */
  void purged(List<Purge> purges) {
    long now = System.currentTimeMillis();
    for (Purge p : purges) {
      counters.lag.record(now - p.eventMillis);
      counters.purged.add(p.records().size());
      finished.addAll(p.records());
    }
  }

  /** Asks the loop to stop within {@code timeout}; returns at once. */
  void stop(Duration timeout) {
    stopDeadline = System.nanoTime() + timeout.toNanos();
    stopping = true;
  }

  /** Waits until the loop has ended. */
  boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(settings.topics, new Rebalance());
      loop();
    } catch (WakeupException e) {
      // stop() without waiting: fall through to the final commit
    } catch (RuntimeException e) {
      log.error("eventrelayer purger: consumer loop failed; records not final stay uncommitted", e);
    } finally {
      try {
        closeFinished();
        commit(true);
      } catch (RuntimeException e) {
        log.warn("eventrelayer purger: final commit failed ({}); uncommitted purges will be repeated", e.toString());
      }
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
      stopped.countDown();
    }
  }

  private void loop() {
    boolean draining = false;
    while (true) {
      long now = System.nanoTime();
      if (stopping && !draining) {
        draining = true;
        consumer.pause(consumer.assignment());
      }
      closeFinished();
      List<Purge> due = pending.due(now, draining);
      if (!due.isEmpty()) {
        stages.send(due);
      }
      long backlog = backlog();
      counters.backlog = backlog;
      if (draining && (backlog == 0 || now >= stopDeadline)) {
        return;
      }
      if (now - lastCommit >= COMMIT_INTERVAL_NANOS) {
        commit(false);
        lastCommit = now;
      }
      if (!draining) {
        flowControl(backlog);
      }
      if (now - lastLag >= LAG_INTERVAL_NANOS) {
        counters.consumerLag = lag();
        lastLag = now;
      }
      long wait = Math.min(MAX_POLL_NANOS, pending.nanosToNextDue(now));
      ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofNanos(Math.max(1_000_000, wait)));
      long at = System.nanoTime();
      Instant wall = Instant.now();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        handle(r, at, wall);
      }
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> record, long nowNanos, Instant now) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    OffsetLedger ledger = ledgers.computeIfAbsent(tp, OffsetLedger::new);
    ledger.opened(record.offset());
    counters.polled.increment();
    Purge.RecordRef ref = new Purge.RecordRef(ledger, record.offset());
    PurgeRecords.Request request;
    try {
      request = PurgeRecords.read(record);
    } catch (PurgeRecords.BadRecord bad) {
      counters.deadLettered.increment();
      deadLetters.deadLetter(record, bad.getMessage(), () -> finished.add(ref));
      return;
    }
    if (PurgeRecords.tooOld(request.eventMillis(), settings.maxAge.toMillis(), now)) {
      counters.tooOld.increment();
      ledger.closed(record.offset());
      return;
    }
    if (pending.add(request, ref, nowNanos)) {
      counters.coalesced.increment();
    }
  }

  private void closeFinished() {
    Purge.RecordRef ref;
    while ((ref = finished.poll()) != null) {
      ref.ledger().closed(ref.offset()); // a revoked partition's ledger is detached: harmless
    }
  }

  private long backlog() {
    long n = 0;
    for (OffsetLedger l : ledgers.values()) {
      n += l.openCount();
    }
    return n;
  }

  private void flowControl(long backlog) {
    if (backlog >= settings.maxPending) {
      if (!counters.paused) {
        limited.warn("paused", "eventrelayer purger: {} records not final yet (maxPending {}): pausing the "
            + "consumer until the caches catch up", backlog, settings.maxPending);
      }
      consumer.pause(consumer.assignment()); // again each time: covers partitions assigned meanwhile
      counters.paused = true;
    } else if (counters.paused && backlog <= settings.maxPending / 2) {
      consumer.resume(consumer.paused());
      counters.paused = false;
    }
  }

  private long lag() {
    long total = 0;
    boolean any = false;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) {
        total += l.getAsLong();
        any = true;
      }
    }
    return any ? total : -1;
  }

  private void commit(boolean sync) {
    commit(ledgers.values(), sync);
  }

  private void commit(Collection<OffsetLedger> of, boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (OffsetLedger l : of) {
      long c = l.committable();
      if (c >= 0) {
        offsets.put(l.partition(), new OffsetAndMetadata(c));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      consumer.commitSync(offsets, Duration.ofSeconds(10));
      markCommitted(offsets);
    } else {
      consumer.commitAsync(offsets, (done, error) -> {
        if (error == null) {
          markCommitted(done);
        } else {
          limited.warn("commit", "eventrelayer purger: offset commit failed ({}); retried", error.toString());
        }
      });
    }
  }

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach((tp, o) -> {
      OffsetLedger l = ledgers.get(tp);
      if (l != null) {
        l.committedAt(o.offset());
      }
    });
  }

  /** Commits what is final in partitions taken away, then forgets them; their open records are the new owner's. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      closeFinished();
      List<OffsetLedger> revoked = partitions.stream().map(ledgers::get).filter(java.util.Objects::nonNull).toList();
      try {
        commit(revoked, true);
      } catch (RuntimeException e) {
        limited.warn("commit", "eventrelayer purger: commit on revocation failed ({}); the new owner repeats "
            + "those purges", e.toString());
      }
      partitions.forEach(ledgers::remove);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (counters.paused || stopping) {
        consumer.pause(partitions);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      partitions.forEach(ledgers::remove);
    }
  }
}
