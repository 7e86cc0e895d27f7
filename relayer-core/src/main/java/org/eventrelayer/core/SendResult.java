package org.eventrelayer.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * What became of each event of a {@link Batch}: delivered, invalid (the destination will never take it: it is
 * dead-lettered, not retried), retry (a transient failure of that event: retried with its own backoff, counting an
 * attempt) or unknown (the destination answered, but which events it took cannot be told: resent once, split from
 * its batch, without counting an attempt).
 *
 * <p>Only a whole-exchange failure made with {@link #retryAll} (or a throw from the transport) is a
 * circuit-breaker failure: see {@link #intakeFailure()}.
 */
public final class SendResult {

  /** The outcome of one event. */
  public enum Outcome {
    /** The destination accepted the event. */
    DELIVERED,
    /** The destination refused the event for good. */
    INVALID,
    /** The event should be sent again later. */
    RETRY,
    /**
     * The answer cannot tell whether the destination took the event (unreadable or unmatched): the engine resends
     * it once in a batch half the size of this one, so that the next answer narrows it down.
     */
    UNKNOWN
  }

  /** The longest {@code Retry-After} the engine honours; a longer one is cut to this. */
  public static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

  private static final SendResult ALL_DELIVERED = new SendResult(null, null, null, null, null, false);

  private final Outcome[] outcomes; // null: all `wholeOutcome`
  private final String[] reasons;
  private final Outcome wholeOutcome;
  private final String wholeReason;
  private final Duration retryAfter;
  private final boolean intakeFailure;

  private SendResult(Outcome[] outcomes, String[] reasons, Outcome wholeOutcome, String wholeReason,
      Duration retryAfter, boolean intakeFailure) {
    this.outcomes = outcomes;
    this.reasons = reasons;
    this.wholeOutcome = wholeOutcome == null ? Outcome.DELIVERED : wholeOutcome;
    this.wholeReason = wholeReason;
    this.retryAfter = retryAfter;
    this.intakeFailure = intakeFailure;
  }

  /** Every event was delivered. */
  public static SendResult delivered() {
    return ALL_DELIVERED;
  }

  /**
   * The exchange took nothing for a reason on the destination's side (a request-level 5xx, 429, 503, an
   * unreachable cluster): every event is retried with the engine's backoff, and it is a circuit-breaker failure.
   */
  public static SendResult retryAll(String reason) {
    return new SendResult(null, null, Outcome.RETRY, Objects.requireNonNull(reason), null, true);
  }

  /**
   * Like {@link #retryAll(String)}, no sooner than {@code retryAfter} (e.g. from Retry-After, at most
   * {@link #MAX_RETRY_AFTER}); the engine then holds every send of the service until then.
   */
  public static SendResult retryAll(String reason, Duration retryAfter) {
    return new SendResult(null, null, Outcome.RETRY, Objects.requireNonNull(reason), retryAfter, true);
  }

  /** The destination refused every event for good. */
  public static SendResult invalidAll(String reason) {
    return new SendResult(null, null, Outcome.INVALID, Objects.requireNonNull(reason), null, false);
  }

  /**
   * The destination answered but its answer cannot be read (e.g. larger than the transport reads): each event's
   * fate is {@link Outcome#UNKNOWN}, and the engine splits the batch to find out.
   */
  public static SendResult unknownAll(String reason) {
    return new SendResult(null, null, Outcome.UNKNOWN, Objects.requireNonNull(reason), null, false);
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

  /** Whether any event must be sent again ({@link Outcome#RETRY} or {@link Outcome#UNKNOWN}). */
  public boolean hasRetries() {
    if (outcomes == null) {
      return wholeOutcome == Outcome.RETRY || wholeOutcome == Outcome.UNKNOWN;
    }
    for (Outcome o : outcomes) {
      if (o == Outcome.RETRY || o == Outcome.UNKNOWN) {
        return true;
      }
    }
    return false;
  }

  /** Whether the whole exchange failed on the destination's side ({@link #retryAll}): a circuit-breaker failure. */
  public boolean intakeFailure() {
    return intakeFailure;
  }

  /** How many events have outcome {@code o}. */
  public int count(Outcome o, int batchSize) {
    if (outcomes == null) {
      return wholeOutcome == o ? batchSize : 0;
    }
    int n = 0;
    for (Outcome x : outcomes) {
      if (x == o) {
        n++;
      }
    }
    return n;
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

    /** Marks event {@code index} as not known to be taken: resent once in a smaller batch, not an attempt. */
    public Builder unknown(int index, String reason) {
      outcomes[index] = Outcome.UNKNOWN;
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
      return new SendResult(outcomes.clone(), reasons.clone(), null, null, retryAfter, false);
    }
  }
}
