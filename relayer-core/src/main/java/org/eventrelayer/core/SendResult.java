package org.eventrelayer.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * What became of each event of a {@link Batch}: delivered, invalid (the destination will never take it: it is
 * dead-lettered, not retried, and does not count against the circuit breaker) or retry (a transient failure:
 * retried with backoff, and a circuit-breaker failure).
 */
public final class SendResult {

  /** The outcome of one event. */
  public enum Outcome {
    /** The destination accepted the event. */
    DELIVERED,
    /** The destination refused the event for good. */
    INVALID,
    /** The event should be sent again later. */
    RETRY
  }

  private static final SendResult ALL_DELIVERED = new SendResult(null, null, null, null, null);

  private final Outcome[] outcomes; // null: all `wholeOutcome`
  private final String[] reasons;
  private final Outcome wholeOutcome;
  private final String wholeReason;
  private final Duration retryAfter;

  private SendResult(
      Outcome[] outcomes, String[] reasons, Outcome wholeOutcome, String wholeReason, Duration retryAfter) {
    this.outcomes = outcomes;
    this.reasons = reasons;
    this.wholeOutcome = wholeOutcome == null ? Outcome.DELIVERED : wholeOutcome;
    this.wholeReason = wholeReason;
    this.retryAfter = retryAfter;
  }

  /** Every event was delivered. */
  public static SendResult delivered() {
    return ALL_DELIVERED;
  }

  /** The whole batch failed transiently; retry it with the engine's backoff. */
  public static SendResult retryAll(String reason) {
    return new SendResult(null, null, Outcome.RETRY, Objects.requireNonNull(reason), null);
  }

  /** The whole batch failed transiently; retry it no sooner than {@code retryAfter} (e.g. from Retry-After). */
  public static SendResult retryAll(String reason, Duration retryAfter) {
    return new SendResult(null, null, Outcome.RETRY, Objects.requireNonNull(reason), retryAfter);
  }

  /** The destination refused every event for good. */
  public static SendResult invalidAll(String reason) {
    return new SendResult(null, null, Outcome.INVALID, Objects.requireNonNull(reason), null);
  }

  /** A builder for per-event outcomes; events not marked are delivered. */
  public static Builder builder(int batchSize) {
    return new Builder(batchSize);
  }

  /** The outcome of event {@code index}. */
  public Outcome outcome(int index) {
    return outcomes == null ? wholeOutcome : outcomes[index];
  }

  /** Why event {@code index} was not delivered, or {@code null} if it was. */
  public String reason(int index) {
    return reasons == null ? wholeReason : reasons[index];
  }

  /** The earliest time to retry, if the destination said so; {@code null} otherwise. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Whether any event must be retried: such a result is a circuit-breaker failure. */
  public boolean hasRetries() {
    if (outcomes == null) {
      return wholeOutcome == Outcome.RETRY;
    }
    for (Outcome o : outcomes) {
      if (o == Outcome.RETRY) {
        return true;
      }
    }
    return false;
  }

  /** The first reason of a failed event, for logs and stats, or {@code null}. */
  public String firstReason() {
    if (reasons == null) {
      return wholeReason;
    }
    for (String r : reasons) {
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    if (outcomes == null) {
      return "SendResult{" + wholeOutcome + (wholeReason == null ? "" : ": " + wholeReason) + '}';
    }
    return "SendResult{" + Arrays.toString(outcomes) + '}';
  }

  /** Builds a {@link SendResult} event by event. */
  public static final class Builder {
    private final Outcome[] outcomes;
    private final String[] reasons;
    private Duration retryAfter;

    private Builder(int size) {
      outcomes = new Outcome[size];
      Arrays.fill(outcomes, Outcome.DELIVERED);
      reasons = new String[size];
    }

    /** Marks event {@code index} refused for good. */
    public Builder invalid(int index, String reason) {
      outcomes[index] = Outcome.INVALID;
      reasons[index] = Objects.requireNonNull(reason);
      return this;
    }

    /** Marks event {@code index} for retry. */
    public Builder retry(int index, String reason) {
      outcomes[index] = Outcome.RETRY;
      reasons[index] = Objects.requireNonNull(reason);
      return this;
    }

    /** Asks the engine to wait at least {@code delay} before the retry. */
    public Builder retryAfter(Duration delay) {
      this.retryAfter = delay;
      return this;
    }

    /** The result. */
    public SendResult build() {
      return new SendResult(outcomes.clone(), reasons.clone(), null, null, retryAfter);
    }
  }
}
