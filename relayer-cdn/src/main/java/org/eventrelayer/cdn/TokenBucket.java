package org.eventrelayer.cdn;

import java.util.function.LongSupplier;

/**
 * A token bucket: holds at most {@code capacity} tokens, refilled continuously at {@code perSecond}, as the
 * providers describe their purge limits. Besides the local arithmetic, the provider's own answers can drain it
 * ({@code X-RateLimit-Remaining}) or close it until a moment ({@code Retry-After}, a reset time), so the pacing
 * follows what the provider says rather than what we guessed.
 *
 * <p>Not thread-safe: owned by the engine's worker thread (it paces {@code begin} and reads answers in
 * {@code await}, both on the worker).
 */
final class TokenBucket {

  private final String name;
  private final double capacity;
  private final double perNano;
  private final LongSupplier nanoClock;
  private double tokens;
  private long updatedAt;
  private long closedUntil;

  /**
   * A full bucket.
   *
   * @param name what it counts, for logs ({@code requests}, {@code urls})
   * @param capacity the burst, at least 1
   * @param perSecond the refill rate, above 0
   */
  TokenBucket(String name, double capacity, double perSecond, LongSupplier nanoClock) {
    if (capacity < 1 || perSecond <= 0) {
      throw new IllegalArgumentException("capacity must be >= 1 and perSecond > 0");
    }
    this.name = name;
    this.capacity = capacity;
    this.perNano = perSecond / 1e9;
    this.nanoClock = nanoClock;
    this.tokens = capacity;
    this.updatedAt = nanoClock.getAsLong();
    this.closedUntil = updatedAt;
  }

  String name() {
    return name;
  }

  double capacity() {
    return capacity;
  }

  /** How long to wait before {@code n} tokens are there (a request larger than the bucket waits for a full one). */
  long nanosUntil(double n) {
    long now = refill();
    long closed = Math.max(0, closedUntil - now);
    double need = Math.min(n, capacity) - tokens;
    long refillWait = need <= 0 ? 0 : (long) Math.ceil(need / perNano);
    return Math.max(closed, refillWait);
  }

  /** Takes {@code n} tokens (call after {@link #nanosUntil} said 0); the balance may go below zero for an oversize take. */
  void take(double n) {
    refill();
    tokens -= n;
  }

  /** The provider says only {@code remaining} tokens are left: never believe we have more. */
  void atMost(double remaining) {
    refill();
    tokens = Math.min(tokens, Math.max(0, remaining));
  }

  /** The provider says wait: no token before {@code nanos} from now, and start empty then. */
  void closeFor(long nanos) {
    long now = refill();
    closedUntil = Math.max(closedUntil, now + nanos);
    tokens = Math.min(tokens, 0);
    updatedAt = closedUntil; // refill restarts when the bucket opens again
  }

  private long refill() {
    long now = nanoClock.getAsLong();
    if (now > updatedAt) {
      tokens = Math.min(capacity, tokens + (now - updatedAt) * perNano);
      updatedAt = now;
    }
    return now;
  }
}
