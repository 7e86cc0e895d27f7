package org.eventrelayer.core;

import java.time.Duration;
import java.util.List;
import org.eventrelayer.spi.Config;

/** The engine's keys of one service entry, read and validated at build time. Defaults are explained in the README. */
final class EngineSettings {

  static final List<String> OVERFLOW_POLICIES = List.of("drop");

  final int queueCapacity;
  final long queueBytes;
  final int maxBatchEvents;
  final long maxBatchBytes;
  final Duration linger;
  final String overflow;

  final int retryMaxAttempts;
  final Duration retryInitialBackoff;
  final Duration retryMaxBackoff;
  final double retryMultiplier;
  final Duration retryMaxAge;

  final float breakerFailureRateThreshold;
  final int breakerSlidingWindowSize;
  final int breakerMinimumNumberOfCalls;
  final Duration breakerWaitInOpenState;
  final Duration breakerMaxWaitInOpenState;
  final int breakerPermittedCallsInHalfOpenState;

  final String deadLetterHandlerClass;

  EngineSettings(Config c) {
    queueCapacity = c.getInt("queueCapacity", 50_000, 1, 10_000_000);
    queueBytes = c.getBytes("queueBytes", 64L << 20, 1024, 1L << 40);
    maxBatchEvents = c.getInt("maxBatchEvents", 1_000, 1, 1_000_000);
    maxBatchBytes = c.getBytes("maxBatchBytes", 4L << 20, 1024, 1L << 30);
    linger = c.getDuration("linger", Duration.ofMillis(5), Duration.ZERO, Duration.ofMinutes(1));
    overflow = c.getChoice("overflow", "drop", OVERFLOW_POLICIES);

    retryMaxAttempts = c.getInt("retry.maxAttempts", 100, 1, Integer.MAX_VALUE);
    retryInitialBackoff =
        c.getDuration("retry.initialBackoff", Duration.ofMillis(200), Duration.ofMillis(1), Duration.ofHours(1));
    retryMaxBackoff =
        c.getDuration("retry.maxBackoff", Duration.ofSeconds(30), Duration.ofMillis(1), Duration.ofHours(1));
    retryMultiplier = c.getDouble("retry.multiplier", 2.0, 1.0, 100.0);
    retryMaxAge = c.getDuration("retry.maxAge", Duration.ofMinutes(15), Duration.ZERO, Duration.ofDays(30));
    if (retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
      throw c.error("retry.maxBackoff", "must not be shorter than retry.initialBackoff (" + retryInitialBackoff + ")");
    }

    breakerFailureRateThreshold = (float) c.getDouble("breaker.failureRateThreshold", 50, 1, 100);
    breakerSlidingWindowSize = c.getInt("breaker.slidingWindowSize", 10, 1, 10_000);
    breakerMinimumNumberOfCalls = c.getInt("breaker.minimumNumberOfCalls", 5, 1, 10_000);
    breakerWaitInOpenState =
        c.getDuration("breaker.waitInOpenState", Duration.ofSeconds(5), Duration.ofMillis(1), Duration.ofHours(1));
    breakerMaxWaitInOpenState = c.getDuration(
        "breaker.maxWaitInOpenState", Duration.ofSeconds(60), Duration.ofMillis(1), Duration.ofHours(1));
    if (breakerMaxWaitInOpenState.compareTo(breakerWaitInOpenState) < 0) {
      throw c.error("breaker.maxWaitInOpenState",
          "must not be shorter than breaker.waitInOpenState (" + breakerWaitInOpenState + ")");
    }
    breakerPermittedCallsInHalfOpenState = c.getInt("breaker.permittedCallsInHalfOpenState", 1, 1, 1_000);
    if (breakerMinimumNumberOfCalls > breakerSlidingWindowSize) {
      throw c.error("breaker.minimumNumberOfCalls",
          "must not exceed breaker.slidingWindowSize (" + breakerSlidingWindowSize
              + "): the breaker could never evaluate its failure rate");
    }

    deadLetterHandlerClass = c.getString("deadLetterHandler", null);
  }
}
