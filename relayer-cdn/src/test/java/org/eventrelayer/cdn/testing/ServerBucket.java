package org.eventrelayer.cdn.testing;

/**
 * A provider's token bucket as the stand-in APIs enforce it: {@code capacity} tokens, refilled at
 * {@code perSecond}; a request that finds too few tokens is refused (429) and spends none, as Akamai documents.
 * Thread-safe.
 */
public final class ServerBucket {

  private final double capacity;
  private final double perSecond;
  private double tokens;
  private long at = System.nanoTime();

  public ServerBucket(double capacity, double perSecond) {
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.tokens = capacity;
  }

  /** Takes {@code n} tokens if there are that many; otherwise takes none. */
  public synchronized boolean tryTake(double n) {
    refill();
    if (tokens + 1e-9 < n) {
      return false;
    }
    tokens -= n;
    return true;
  }

  /** Tokens left, rounded down. */
  public synchronized long remaining() {
    refill();
    return (long) Math.floor(tokens);
  }

  /** Seconds until {@code n} tokens are there (at least 1). */
  public synchronized long secondsUntil(double n) {
    refill();
    return Math.max(1, (long) Math.ceil((n - tokens) / perSecond));
  }

  private void refill() {
    long now = System.nanoTime();
    tokens = Math.min(capacity, tokens + (now - at) / 1e9 * perSecond);
    at = now;
  }
}
