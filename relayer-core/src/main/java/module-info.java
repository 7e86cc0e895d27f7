/**
 * The delivery engine shared by the transports: queueing, batching, coalescing, retries, the circuit breaker and
 * the crash-safe spool. Transports implement {@link org.eventrelayer.core.Transport}; the spool's storage
 * ({@code org.eventrelayer.core.spool}) is not exported.
 */
module org.eventrelayer.core {
  requires transitive org.eventrelayer.api;
  requires com.fasterxml.jackson.databind;
  requires io.github.resilience4j.core;
  requires io.github.resilience4j.retry;
  requires io.github.resilience4j.circuitbreaker;
  requires transitive org.slf4j; // RateLimitedLogger wraps a Logger
  // sun.misc.Unsafe.invokeCleaner, looked up reflectively: the spool unmaps the windows it has written and the
  // segments it deletes (Unmapper).
  requires jdk.unsupported;

  exports org.eventrelayer.core;

  // Compact spool records (e.g. the purge relayer's), decoded on the worker and on replay.
  uses org.eventrelayer.spi.SpoolCodec;
}
