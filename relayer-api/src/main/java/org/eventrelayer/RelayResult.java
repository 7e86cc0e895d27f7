package org.eventrelayer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What one {@code notify}/{@code notifyMulti} call did, known at once, plus a handle on the eventual delivery
 * outcome of what it accepted.
 */
public final class RelayResult {

  private final int accepted;
  private final List<Refusal> refused;
  private final CompletableFuture<DeliveryReport> delivery;

  /**
   * Creates a result. Used by relayer implementations.
   *
   * @param accepted how many input events were accepted
   * @param refused the refused events, by input index
   * @param delivery completes when every accepted event is final
   */
  public RelayResult(int accepted, List<Refusal> refused, CompletableFuture<DeliveryReport> delivery) {
    if (accepted < 0) {
      throw new IllegalArgumentException("accepted must be >= 0");
    }
    this.accepted = accepted;
    this.refused = List.copyOf(refused);
    this.delivery = delivery;
  }

  /** A result that refuses every one of {@code count} events for the same reason. */
  public static RelayResult refuseAll(int count, RefusalReason reason, String detail) {
    Refusal[] refusals = new Refusal[count];
    for (int i = 0; i < count; i++) {
      refusals[i] = new Refusal(i, reason, detail);
    }
    return new RelayResult(
        0, List.of(refusals), CompletableFuture.completedFuture(new DeliveryReport(0, 0, 0, null)));
  }

  /** How many of the input events were accepted for delivery. */
  public int accepted() {
    return accepted;
  }

  /** The input events that were refused, each with its index and reason; empty if none. */
  public List<Refusal> refused() {
    return refused;
  }

  /** Whether every input event was accepted. */
  public boolean allAccepted() {
    return refused.isEmpty();
  }

  /**
   * Completes when every event this call accepted has reached a final state (at once if none was accepted).
   * The returned future is a copy: completing or cancelling it affects nobody else.
   */
  public CompletableFuture<DeliveryReport> delivery() {
    return delivery.copy();
  }

  /**
   * Waits up to {@code timeout} for the delivery outcome of this call's accepted events.
   *
   * @return the report, or empty if the deadline passed first
   */
  public Optional<DeliveryReport> awaitDelivery(Duration timeout) {
    try {
      return Optional.of(delivery.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException("delivery tracking failed", e.getCause());
    }
  }

  @Override
  public String toString() {
    return "RelayResult{accepted=" + accepted + ", refused=" + refused + '}';
  }
}
