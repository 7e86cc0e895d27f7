package org.eventrelayer.core;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eventrelayer.core.spool.SpoolSettings;
import org.eventrelayer.spi.Config;

/** The engine's keys of one service entry, read and validated at build time. Defaults are explained in the README. */
final class EngineSettings {

  static final List<String> OVERFLOW_POLICIES = List.of("drop", "spool");
  static final List<String> FSYNC_POLICIES = List.of("batch", "interval");
  static final String SPOOL_DIR = "spoolDir";
  static final long DEFAULT_SPOOL_MAX_BYTES = 1L << 30;
  static final long DEFAULT_SEGMENT_BYTES = 16L << 20;

  /** Every key the engine reads; the transport gets the service's entry without them ({@code Config.without}). */
  static final Set<String> KEYS = Set.of("queueCapacity", "queueBytes", "maxBatchEvents", "maxBatchBytes", "linger",
      "overflow", "coalesce", "rateLimit", "deadLetterHandler", SPOOL_DIR,
      "retry.maxAttempts", "retry.initialBackoff", "retry.maxBackoff", "retry.multiplier", "retry.maxAge",
      "breaker.failureRateThreshold", "breaker.slidingWindowSize", "breaker.minimumNumberOfCalls",
      "breaker.waitInOpenState", "breaker.maxWaitInOpenState", "breaker.permittedCallsInHalfOpenState",
      "spool.fsync", "spool.fsyncInterval", "spool.maxBytes", "spool.segmentBytes", "spool.trackedEvents",
      "spool.fillThreads", "signing.secret", "signing.algorithm", "signing.field");

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
  final boolean coalesce;
  final double rateLimit; // events per second, 0: unlimited
  final EventSignatures signer; // null: events are not signed

  /** The service's own spool directory ({@code <spoolDir>/<service>}), or {@code null} without a spool. */
  final Path spoolDir;
  final String spoolDirKey;
  final boolean fsyncEachBatch;
  final Duration fsyncInterval;
  final long spoolMaxBytes;
  final long spoolSegmentBytes;
  /** Events waiting in the spool up to which a new one keeps its caller's delivery future (the rest: spooled). */
  final int spoolTrackedEvents;
  final int spoolFillThreads;

  EngineSettings(Config c, String serviceName) {
    this(c, serviceName, Map.of());
  }

  /**
   * Reads the engine's keys; {@code defaults} overrides the engine's own defaults for a transport (e.g. bigger
   * batches for Kafka), keyed like the config.
   */
  EngineSettings(Config c, String serviceName, Map<String, ?> defaults) {
    spoolDirKey = c.fullKey(SPOOL_DIR);
    String dir = c.getString(SPOOL_DIR, null);
    String defaultOverflow = dir == null ? "drop" : "spool";
    String chosenOverflow = c.getChoice("overflow", defaultOverflow, OVERFLOW_POLICIES);
    if (chosenOverflow.equals("spool") && dir == null) {
      throw c.error("overflow", "'spool' needs spoolDir: set spoolDir to a directory the relayer may write");
    }
    if (dir != null && !chosenOverflow.equals("spool")) {
      throw c.error(SPOOL_DIR, "is set, but overflow is '" + chosenOverflow + "': set overflow: spool, or remove "
          + "spoolDir");
    }
    boolean spool = dir != null;
    if (spool) {
      Path base;
      try {
        base = Path.of(dir);
      } catch (InvalidPathException e) {
        throw c.error(SPOOL_DIR, "is not a valid path: " + e.getReason());
      }
      spoolDir = base.toAbsolutePath().normalize().resolve(subdirectory(serviceName));
      String fsync = c.getChoice("spool.fsync", "batch", FSYNC_POLICIES);
      fsyncEachBatch = fsync.equals("batch");
      if (fsyncEachBatch) {
        if (c.has("spool.fsyncInterval")) {
          throw c.error("spool.fsyncInterval", "only applies to spool.fsync: interval (spool.fsync is 'batch')");
        }
        c.markUsed("spool.fsyncInterval");
        fsyncInterval = Duration.ZERO;
      } else {
        fsyncInterval = c.getDuration("spool.fsyncInterval", Duration.ofSeconds(1), Duration.ofMillis(1),
            Duration.ofMinutes(10));
      }
      spoolMaxBytes = c.getBytes("spool.maxBytes", DEFAULT_SPOOL_MAX_BYTES, 64L << 10, 1L << 50);
      spoolSegmentBytes = c.getBytes("spool.segmentBytes", Math.min(DEFAULT_SEGMENT_BYTES, spoolMaxBytes / 8),
          4L << 10, 1L << 30);
      if (spoolSegmentBytes > spoolMaxBytes / 2) {
        throw c.error("spool.segmentBytes", "must be at most half of spool.maxBytes (" + spoolMaxBytes
            + "): whole segments are deleted, so the spool needs room for at least two");
      }
      spoolTrackedEvents = c.getInt("spool.trackedEvents", 100_000, 0, 100_000_000);
      spoolFillThreads = c.getInt("spool.fillThreads", SpoolSettings.DEFAULT_FILL_THREADS, 1,
          SpoolSettings.MAX_FILL_THREADS);
    } else {
      for (String k : List.of("spool.fsync", "spool.fsyncInterval", "spool.maxBytes", "spool.segmentBytes",
          "spool.trackedEvents", "spool.fillThreads")) {
        if (c.has(k)) {
          throw c.error(k, "only applies with a spool: set spoolDir (and overflow: spool)");
        }
        c.markUsed(k);
      }
      spoolDir = null;
      fsyncEachBatch = true;
      fsyncInterval = Duration.ZERO;
      spoolMaxBytes = 0;
      spoolSegmentBytes = 0;
      spoolTrackedEvents = 0;
      spoolFillThreads = 0;
    }

    queueCapacity = c.getInt("queueCapacity", intDefault(defaults, "queueCapacity", 50_000), 1, 10_000_000);
    queueBytes = c.getBytes("queueBytes", 64L << 20, 1024, 1L << 40);
    maxBatchEvents = c.getInt("maxBatchEvents", intDefault(defaults, "maxBatchEvents", 1_000), 1, 1_000_000);
    maxBatchBytes = c.getBytes("maxBatchBytes", 4L << 20, 1024, 1L << 30);
    linger = c.getDuration("linger", Duration.ofMillis(5), Duration.ZERO, Duration.ofMinutes(1));
    coalesce = c.getBoolean("coalesce", true);
    rateLimit = c.getDouble("rateLimit", 0, 0, 1e9);
    overflow = chosenOverflow;

    // With a spool, an outage of any length must not turn events into dead letters: retry until delivered unless
    // the user bounds it.
    retryMaxAttempts = c.getInt("retry.maxAttempts", spool ? Integer.MAX_VALUE : 100, 1, Integer.MAX_VALUE);
    retryInitialBackoff =
        c.getDuration("retry.initialBackoff", Duration.ofMillis(200), Duration.ofMillis(1), Duration.ofHours(1));
    retryMaxBackoff =
        c.getDuration("retry.maxBackoff", Duration.ofSeconds(30), Duration.ofMillis(1), Duration.ofHours(1));
    retryMultiplier = c.getDouble("retry.multiplier", 2.0, 1.0, 100.0);
    retryMaxAge = c.getDuration("retry.maxAge", spool ? Duration.ZERO : Duration.ofMinutes(15), Duration.ZERO,
        Duration.ofDays(30));
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

    String secret = c.getString("signing.secret", null);
    String algorithm = c.getString("signing.algorithm", "HmacSHA256");
    String field = c.getString("signing.field", "signature");
    if (secret == null) {
      for (String k : List.of("signing.algorithm", "signing.field")) {
        if (c.has(k)) {
          throw c.error(k, "only applies with signing.secret");
        }
      }
      signer = null;
    } else {
      try {
        signer = EventSignatures.of(secret, algorithm, field);
      } catch (IllegalArgumentException e) {
        throw c.error(e.getMessage().startsWith("unsupported") ? "signing.algorithm" : "signing.field",
            e.getMessage());
      }
    }
  }

  private static int intDefault(Map<String, ?> defaults, String key, int fallback) {
    Object v = defaults.get(key);
    return v == null ? fallback : Integer.parseInt(v.toString());
  }

  /** Whether the service spools ({@code overflow: spool}). */
  boolean spool() {
    return spoolDir != null;
  }

  /**
   * The service's subdirectory of {@code spoolDir}: its name when that is a safe file name, else a safe form of it
   * plus a hash, so several services may share one {@code spoolDir} and never share a subdirectory.
   */
  static String subdirectory(String serviceName) {
    if (serviceName.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
      return serviceName;
    }
    String safe = serviceName.replaceAll("[^A-Za-z0-9._-]", "_");
    if (safe.length() > 60) {
      safe = safe.substring(0, 60);
    }
    return "_" + safe + "-" + Integer.toHexString(serviceName.hashCode());
  }
}
