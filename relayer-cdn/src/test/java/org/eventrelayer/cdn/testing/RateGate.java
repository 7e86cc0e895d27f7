package org.eventrelayer.cdn.testing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the stand-in APIs share about their rate limits: counts requests and 429 answers, and counts as a
 * violation any request that arrives while a 429's wait runs (after 200 ms of grace for requests that were already
 * on their way when the 429 left). Thread-safe.
 */
public final class RateGate {

  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger limited = new AtomicInteger();
  private final AtomicInteger violations = new AtomicInteger();
  private volatile long quietFrom;
  private volatile long quietUntil;

  /** Counts an arriving request (and a violation if it came while the client was told to wait). */
  public void arrived() {
    requests.incrementAndGet();
    long now = System.nanoTime();
    if (now > quietFrom && now < quietUntil) {
      violations.incrementAndGet();
    }
  }

  /** A 429 is being answered, telling the client to wait {@code seconds}. */
  public void limitedFor(long seconds) {
    limited.incrementAndGet();
    long now = System.nanoTime();
    quietFrom = now + 200_000_000L;
    quietUntil = now + seconds * 1_000_000_000L - 50_000_000L; // 50 ms of clock slack
  }

  public int requests() {
    return requests.get();
  }

  public int limited() {
    return limited.get();
  }

  public int violations() {
    return violations.get();
  }
}
