package org.eventrelayer.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.eventrelayer.RefusalReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PurgeDemoTest {

  @Test
  void demoWithOneSecondPhasesDeliversEverythingAndAccountsForEveryEvent() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    DemoOptions options = DemoOptions.parse("--seconds-per-phase", "1", "--plain");

    DemoSummary s = PurgeDemo.run(options, new PrintStream(buffer, true, StandardCharsets.UTF_8), false);

    String output = buffer.toString(StandardCharsets.UTF_8);
    assertThat(s.drained()).as(output).isTrue();
    assertThat(s.accountingHolds()).as(output).isTrue();
    assertThat(s.sent()).isPositive();
    assertThat(s.accepted() + s.refusedTotal()).isEqualTo(s.sent());
    // The only refusals are the relative URLs the host sends on purpose.
    assertThat(s.refused()).containsOnlyKeys(RefusalReason.INVALID_URL);
    assertThat(s.refused().get(RefusalReason.INVALID_URL)).isEqualTo(s.sent() / PurgeDemo.INVALID_EVERY);
    // Everything accepted was delivered, after the outage.
    assertThat(s.serviceAccepted()).isEqualTo(s.accepted());
    assertThat(s.serviceRefused()).as("the service refused nothing: the refusals are the relayer's").isZero();
    assertThat(output).contains("of which refused by the event service (ServiceStats.refused: queue full, too large): 0");
    assertThat(s.delivered()).as(output).isEqualTo(s.accepted());
    assertThat(s.deadLettered()).isZero();
    assertThat(s.dropped()).isZero();
    assertThat(s.queued()).isZero();
    assertThat(s.inFlight()).isZero();
    assertThat(s.retries()).as("the batches refused while down were re-sent").isPositive();
    assertThat(s.breakerOpenedWhileDown()).as(output).isTrue();
    assertThat(s.breakerAtEnd()).isEqualTo("CLOSED");
    // The intake saw each delivered event once (a re-sent batch whose answer was lost counts as a duplicate).
    assertThat(s.intakeReceived() - s.intakeDuplicates()).isEqualTo(s.delivered());

    assertThat(s.phases()).extracting(DemoSummary.Phase::name).containsExactly("up", "down", "up again");
    assertThat(s.phases()).extracting(DemoSummary.Phase::intakeDown).containsExactly(false, true, false);
    assertThat(s.phases()).allSatisfy(p -> assertThat(p.calls()).isPositive());
    assertThat(s.calls()).isEqualTo(s.phases().stream().mapToLong(DemoSummary.Phase::calls).sum());

    assertThat(output).contains("--- up (1 s)", "--- down (1 s)", "--- up again (1 s)", "--- drain", "=== summary");
    assertThat(output).containsPattern("accounting +accepted [0-9,]+ == delivered [0-9,]+ .*: OK");
    assertThat(output).doesNotContain("\r");
    assertThat(List.of(output.split("\n"))).filteredOn(l -> l.startsWith("down ")).isNotEmpty();
  }

  @Test
  void urlPointsTheDemoAtAnotherIntakeWithoutPhasesOfItsOwn() throws Exception {
    try (LocalEventGate other = LocalEventGate.builder().start()) {
      DemoSummary s = run("--url", other.url().toString(), "--seconds-per-phase", "0.2", "--plain");

      assertThat(s.intakeReceived()).as("no embedded intake").isEqualTo(-1);
      assertThat(s.phases()).extracting(DemoSummary.Phase::name).containsExactly("relay");
      assertThat(s.drained()).isTrue();
      assertThat(s.accountingHolds()).isTrue();
      assertThat(s.delivered()).isEqualTo(s.accepted()).isPositive();
      assertThat(other.received()).isEqualTo(s.delivered());
    }
  }

  @Test
  void configFileIsUsedAsItIs(@TempDir Path dir) throws Exception {
    try (LocalEventGate other = LocalEventGate.builder().start()) {
      Properties p = PurgeDemo.sample(PurgeDemo.HTTP_CONFIG, "intake.url", other.url().toString());
      Path file = dir.resolve("group.properties");
      try (Writer w = Files.newBufferedWriter(file)) {
        p.store(w, null);
      }
      DemoSummary s = run("--config", file.toString(), "--seconds-per-phase", "0.2", "--plain", "--batch", "5");

      assertThat(s.calls() * 5).isEqualTo(s.sent());
      assertThat(s.delivered()).isEqualTo(s.accepted()).isPositive();
      assertThat(other.received()).isEqualTo(s.delivered());
    }
  }

  private static DemoSummary run(String... args) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    return PurgeDemo.run(DemoOptions.parse(args), new PrintStream(buffer, true, StandardCharsets.UTF_8), false);
  }
}
