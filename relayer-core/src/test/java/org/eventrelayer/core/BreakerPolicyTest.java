package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eventrelayer.spi.Config;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** What the circuit breaker logs: its opening once, the re-opening after each failed probe rate-limited. */
class BreakerPolicyTest {

  /** Lines logged, as "LEVEL message". */
  static final class RecordingLogger extends LegacyAbstractLogger {
    final List<String> lines = new CopyOnWriteArrayList<>();

    RecordingLogger() {
      this.name = "recording";
    }

    List<String> at(Level level) {
      return lines.stream().filter(l -> l.startsWith(level + " ")).toList();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
        Throwable throwable) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(messagePattern, arguments));
    }

    @Override
    public boolean isTraceEnabled() {
      return true;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }

  /** A breaker that opens after two failures and lets a probe through 1 ms after opening. */
  private static EngineSettings quickBreaker() {
    return new EngineSettings(Config.of("eventServices.eventgate", Map.of(
        "breaker.slidingWindowSize", 2, "breaker.minimumNumberOfCalls", 2,
        "breaker.waitInOpenState", "1ms", "breaker.maxWaitInOpenState", "1ms")), "eventgate");
  }

  private static final ConnectException REFUSED = new ConnectException("Connection refused");

  /** A breaker logging to {@code log}, opened by two refused connections. */
  private static BreakerPolicy openedBreaker(String waitPlace, String lastError, RecordingLogger log) {
    BreakerPolicy policy = new BreakerPolicy("eventgate", quickBreaker(), waitPlace, () -> lastError, log);
    policy.onAnswer(REFUSED, null, 1_000);
    policy.onAnswer(REFUSED, null, 1_000);
    return policy;
  }

  /** Waits until the breaker lets a probe through (1 ms after it opened). */
  private static void awaitProbe(BreakerPolicy policy) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(policy::tryAcquire);
  }

  @Test
  void anOutageWhoseProbesAllFailLogsItsOpeningOnceAndItsReopeningsAtMostOncePerInterval() {
    RecordingLogger log = new RecordingLogger();
    BreakerPolicy policy = openedBreaker("spool", "connection refused", log);

    assertThat(policy.state()).isEqualTo("OPEN");
    int probes = 50;
    for (int i = 0; i < probes; i++) { // each probe fails: HALF_OPEN -> OPEN, within one interval of 30 s
      awaitProbe(policy);
      policy.onAnswer(REFUSED, null, 1_000);
      assertThat(policy.state()).isEqualTo("OPEN");
    }

    List<String> warnings = log.at(Level.WARN);
    assertThat(warnings).hasSize(2);
    assertThat(warnings.get(0)).contains("circuit breaker OPEN", "CLOSED to OPEN", "events wait in the spool",
        "connection refused");
    assertThat(warnings.get(1)).contains("circuit breaker OPEN", "HALF_OPEN to OPEN", "connection refused");
    assertThat(log.at(Level.INFO)).isEmpty();
    assertThat(log.at(Level.DEBUG)).hasSize(probes); // each probe, for whoever wants to watch them
  }

  @Test
  void aProbeThatSucceedsClosesTheBreakerAndSaysSo() {
    RecordingLogger log = new RecordingLogger();
    BreakerPolicy policy = openedBreaker("queue", "timeout", log);

    awaitProbe(policy);
    policy.onAnswer(null, SendResult.delivered(), 1_000);

    assertThat(policy.isClosed()).isTrue();
    assertThat(log.at(Level.WARN)).singleElement().asString().contains("events wait in the queue", "timeout");
    assertThat(log.at(Level.INFO)).singleElement().asString().contains("circuit breaker CLOSED", "delivering again");
  }
}
