package org.eventrelayer.examples.demo;

import java.util.List;
import java.util.Map;
import org.eventrelayer.RefusalReason;

/**
 * What one demo run did, for the printed summary and the test. Service counts are summed over the group's
 * services.
 *
 * @param sent URLs the host handed to notifyMulti
 * @param calls notifyMulti calls
 * @param accepted URLs the relayer accepted
 * @param refused URLs the relayer refused at notify, by reason: every refusal the host saw
 * @param serviceAccepted events the services accepted into their queues
 * @param serviceRefused events the services themselves refused (queue full, too large): the {@code refused} of
 *     their {@code ServiceStats}, a part of {@code refused}
 * @param delivered events the destination confirmed
 * @param deadLettered events dead-lettered
 * @param dropped events dropped
 * @param queued events still queued at the end
 * @param inFlight events in an unanswered request at the end
 * @param coalesced purges that joined an equal purge still queued
 * @param spooled events in the spool at the end
 * @param accountedFor the services' own {@code accountedFor()} sum
 * @param retries events re-sent after a failure
 * @param batches requests sent
 * @param breakerOpenedWhileDown whether an OPEN breaker was seen while the intake was down (embedded mode), or at
 *     all (other modes)
 * @param breakerAtEnd the breaker state(s) after the drain
 * @param intakeReceived events the embedded intake received, or -1 without one
 * @param intakeDuplicates events the embedded intake received twice, or -1 without one
 * @param phases caller latency per phase
 * @param drained whether everything accepted was final before the drain deadline
 * @param drainMillis how long the drain took
 */
record DemoSummary(
    long sent,
    long calls,
    long accepted,
    Map<RefusalReason, Long> refused,
    long serviceAccepted,
    long serviceRefused,
    long delivered,
    long deadLettered,
    long dropped,
    long coalesced,
    long queued,
    long inFlight,
    long spooled,
    long accountedFor,
    long retries,
    long batches,
    boolean breakerOpenedWhileDown,
    String breakerAtEnd,
    long intakeReceived,
    long intakeDuplicates,
    List<Phase> phases,
    boolean drained,
    long drainMillis) {

  /** Caller latency of the notifyMulti calls of one phase. */
  record Phase(String name, boolean intakeDown, long calls, long p50Nanos, long p99Nanos, long maxNanos) {}

  /** The accounting check: every accepted event is delivered, dead-lettered, dropped, coalesced, queued, in flight or
   * spooled. */
  boolean accountingHolds() {
    return serviceAccepted == accountedFor;
  }

  /** The total of the refusals. */
  long refusedTotal() {
    return refused.values().stream().mapToLong(Long::longValue).sum();
  }
}
