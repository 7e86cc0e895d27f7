package org.eventrelayer.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.eventrelayer.DeliveryReport;

/**
 * Collects the outcomes of the events one {@code notify} call accepted and completes a future when all are final.
 *
 * <p>Protocol: the relayer calls {@link #expect()} before each successful offer and {@link #seal()} once after the
 * last one; services call exactly one of {@link #delivered()}, {@link #deadLettered(String)},
 * {@link #dropped(String)} or {@link #spooled(String)} per accepted event.
 */
public final class DeliveryTracker {

  private static final AtomicIntegerFieldUpdater<DeliveryTracker> PENDING =
      AtomicIntegerFieldUpdater.newUpdater(DeliveryTracker.class, "pending");
  private static final AtomicIntegerFieldUpdater<DeliveryTracker> DELIVERED =
      AtomicIntegerFieldUpdater.newUpdater(DeliveryTracker.class, "delivered");
  private static final AtomicIntegerFieldUpdater<DeliveryTracker> DEAD_LETTERED =
      AtomicIntegerFieldUpdater.newUpdater(DeliveryTracker.class, "deadLettered");
  private static final AtomicIntegerFieldUpdater<DeliveryTracker> DROPPED =
      AtomicIntegerFieldUpdater.newUpdater(DeliveryTracker.class, "dropped");
  private static final AtomicIntegerFieldUpdater<DeliveryTracker> SPOOLED =
      AtomicIntegerFieldUpdater.newUpdater(DeliveryTracker.class, "spooled");
  private static final AtomicReferenceFieldUpdater<DeliveryTracker, String> FIRST_FAILURE =
      AtomicReferenceFieldUpdater.newUpdater(DeliveryTracker.class, String.class, "firstFailure");

  private static final DeliveryTracker UNTRACKED = new DeliveryTracker();

  private final CompletableFuture<DeliveryReport> future = new CompletableFuture<>();
  private volatile int pending = 1; // the seal
  private volatile int delivered;
  private volatile int deadLettered;
  private volatile int dropped;
  private volatile int spooled;
  private volatile String firstFailure;

  /** Creates a tracker expecting nothing until {@link #expect()} is called. */
  public DeliveryTracker() {}

  /** A shared tracker for events nobody waits on (e.g. replayed from a spool); it never completes. */
  public static DeliveryTracker untracked() {
    return UNTRACKED;
  }

  /** Announces one more accepted event (call before offering it). */
  public void expect() {
    if (this != UNTRACKED) {
      PENDING.incrementAndGet(this);
    }
  }

  /** Withdraws one {@link #expect()} whose offer was refused. */
  public void unexpect() {
    arrive();
  }

  /** Marks the end of the call: no more {@link #expect()} will follow. */
  public void seal() {
    arrive();
  }

  /** One event was delivered. */
  public void delivered() {
    if (this != UNTRACKED) {
      DELIVERED.incrementAndGet(this);
      arrive();
    }
  }

  /** One event was dead-lettered for {@code reason}. */
  public void deadLettered(String reason) {
    if (this != UNTRACKED) {
      DEAD_LETTERED.incrementAndGet(this);
      FIRST_FAILURE.compareAndSet(this, null, reason);
      arrive();
    }
  }

  /** One event was dropped without a verdict, for {@code reason}. */
  public void dropped(String reason) {
    if (this != UNTRACKED) {
      DROPPED.incrementAndGet(this);
      FIRST_FAILURE.compareAndSet(this, null, reason);
      arrive();
    }
  }

  /** One event was not delivered yet but stays in the service's spool for its next start, for {@code reason}. */
  public void spooled(String reason) {
    if (this != UNTRACKED) {
      SPOOLED.incrementAndGet(this);
      FIRST_FAILURE.compareAndSet(this, null, reason);
      arrive();
    }
  }

  /** Completes when every expected event is final (or spooled) and the tracker is sealed. */
  public CompletableFuture<DeliveryReport> future() {
    return future;
  }

  private void arrive() {
    if (this != UNTRACKED && PENDING.decrementAndGet(this) == 0) {
      future.complete(new DeliveryReport(delivered, deadLettered, dropped, spooled, firstFailure));
    }
  }
}
