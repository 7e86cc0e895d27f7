package org.eventrelayer.core;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When to send again: the circuit breaker over answers, and each event's backoff. Worker only (the breaker's state
 * may be read from any thread).
 *
 * <p>What counts as a breaker failure: only an exchange that took nothing for a reason on the intake's side — it
 * threw (connection refused, timeout, reset) or the transport said so with {@link SendResult#retryAll} (a
 * request-level 5xx, 429, 503, a redirect, another 4xx). An answer that lists per-event outcomes proves the intake
 * is up: it is a success for the breaker, whatever it lists under {@code error}, so one poisoned event can never
 * open the breaker for everyone else.
 */
final class BreakerPolicy {

  /**
   * The least time between two lines saying that a probe failed and the breaker opened again: during an outage each
   * probe fails, as often as {@code breaker.maxWaitInOpenState} allows (a configuration with short waits would
   * otherwise log several lines a second for as long as the outage lasts).
   */
  static final Duration REOPENED_LOG_INTERVAL = Duration.ofSeconds(30);

  private final CircuitBreaker breaker;
  private final IntervalFunction backoff;

  BreakerPolicy(String name, EngineSettings s, String waitPlace, Supplier<String> lastError) {
    this(name, s, waitPlace, lastError, LoggerFactory.getLogger(BreakerPolicy.class));
  }

  /**
   * Logs the breaker's transitions to {@code log}: the opening at WARN, each re-opening after a failed probe at
   * WARN at most once per {@link #REOPENED_LOG_INTERVAL} (with the count held back), the closing at INFO, each probe
   * (half-open) at DEBUG.
   */
  BreakerPolicy(String name, EngineSettings s, String waitPlace, Supplier<String> lastError, Logger log) {
    this.breaker = CircuitBreaker.of("eventrelayer-" + name, CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(s.breakerSlidingWindowSize)
        .minimumNumberOfCalls(s.breakerMinimumNumberOfCalls)
        .failureRateThreshold(s.breakerFailureRateThreshold)
        .permittedNumberOfCallsInHalfOpenState(s.breakerPermittedCallsInHalfOpenState)
        .waitIntervalFunctionInOpenState(
            IntervalFunction.ofExponentialBackoff(s.breakerWaitInOpenState, 2.0, s.breakerMaxWaitInOpenState))
        .recordException(t -> true)
        .build());
    RateLimitedLogger reopened = new RateLimitedLogger(log, REOPENED_LOG_INTERVAL);
    String opened = "eventrelayer service '{}': circuit breaker OPEN ({}); events wait in the {}. Last error: {}";
    this.breaker.getEventPublisher().onStateTransition(e -> {
      CircuitBreaker.StateTransition t = e.getStateTransition();
      switch (t.getToState()) {
        case OPEN -> {
          if (t.getFromState() == CircuitBreaker.State.HALF_OPEN) {
            reopened.warn("breaker-reopened", opened, name, t, waitPlace, lastError.get());
          } else {
            log.warn(opened, name, t, waitPlace, lastError.get());
          }
        }
        case CLOSED -> log.info("eventrelayer service '{}': circuit breaker CLOSED ({}); delivering again", name, t);
        case HALF_OPEN -> log.debug("eventrelayer service '{}': circuit breaker {}", name, t);
        default -> log.info("eventrelayer service '{}': circuit breaker {}", name, t);
      }
    });
    this.backoff = IntervalFunction.ofExponentialRandomBackoff(
        s.retryInitialBackoff, s.retryMultiplier, 0.5, s.retryMaxBackoff);
  }

  /** Whether a batch may be sent now (counts a half-open probe). */
  boolean tryAcquire() {
    return breaker.tryAcquirePermission();
  }

  boolean isClosed() {
    return breaker.getState() == CircuitBreaker.State.CLOSED;
  }

  String state() {
    return breaker.getState().name();
  }

  /**
   * Records one answer.
   *
   * @param failure what the exchange threw, or {@code null}
   * @param result the outcomes (for a throw: the engine's retry-all result)
   */
  void onAnswer(Throwable failure, SendResult result, long tookNanos) {
    if (failure != null) {
      breaker.onError(tookNanos, TimeUnit.NANOSECONDS, failure);
    } else if (result.intakeFailure()) {
      breaker.onError(tookNanos, TimeUnit.NANOSECONDS, new DeliveryFailure(result.firstReason()));
    } else {
      breaker.onSuccess(tookNanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * How long an event that has failed {@code attempts} times waits before its next attempt: exponential with
   * jitter, and no sooner than {@code retryAfter} (capped at {@link SendResult#MAX_RETRY_AFTER}) when the intake
   * asked.
   */
  long backoffNanos(int attempts, Duration retryAfter) {
    long millis = backoff.apply(Math.max(1, attempts));
    if (retryAfter != null) {
      millis = Math.max(millis, Math.min(retryAfter.toMillis(), SendResult.MAX_RETRY_AFTER.toMillis()));
    }
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /** Marks a failed exchange for the circuit breaker when the transport reported it without throwing. */
  static final class DeliveryFailure extends Exception {
    DeliveryFailure(String reason) {
      super(reason, null, false, false);
    }
  }
}
