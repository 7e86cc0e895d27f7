package org.eventrelayer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eventrelayer purge} end to end, in-process, against a real HTTP intake on loopback. */
class PurgeCommandTest {

  @TempDir
  Path dir;

  private CountingIntake intake;

  @BeforeEach
  void startIntake() throws Exception {
    intake = new CountingIntake(100_000);
  }

  @AfterEach
  void stopIntake() {
    intake.close();
  }

  @Test
  void deliversEveryUrlOfAPlainFileAndExitsZero() throws Exception {
    Path urls = Cli.urls(dir.resolve("urls.txt"), 5_000);
    Cli.Run run = new Cli().run("purge", "--config", Cli.config(dir, intake.url()).toString(), urls.toString());

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(intake.missingAndDuplicated(5_000)).containsExactly(0, 0);
    assertThat(run.out())
        .contains("read           5,000 URLs from " + urls + " (2 blank or # lines skipped)")
        .contains("delivered      5,000")
        .containsPattern("accounting +read 5,000 == accepted 5,000 \\+ refused 0 \\+ not sent 0; accepted 5,000 "
            + "== delivered 5,000 \\+ dead-lettered 0 \\+ dropped 0: OK")
        .containsPattern("eventgate +accepted 5,000 == delivered 5,000 .*: OK")
        .contains("failed         none")
        .contains("exit           0: all delivered");
  }

  @Test
  void readsGzipFromStandardInput() throws Exception {
    byte[] gz = Files.readAllBytes(Cli.urls(dir.resolve("urls.txt.gz"), 1_000));
    Cli.Run run = new Cli(new ByteArrayInputStream(gz))
        .run("purge", "--config", Cli.config(dir, intake.url()).toString(), "-");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(intake.missingAndDuplicated(1_000)).containsExactly(0, 0);
    assertThat(run.out()).contains("read           1,000 URLs from standard input");
  }

  @Test
  void listsRefusedAndDeadLetteredUrlsInTheFailedFileAndExitsOne() throws Exception {
    Path urls = Cli.lines(dir.resolve("urls.txt"), List.of(
        "\uFEFF" + CountingIntake.PREFIX + 1 + "\r",
        "not a url",
        "  # an indented comment",
        CountingIntake.PREFIX + 2 + "\tsome note after a tab",
        "ftp://files.example.org/x",
        "https://purge.example.org/wiki/Invalid_1",
        "",
        CountingIntake.PREFIX + 3));
    Path failed = dir.resolve("failed.txt");
    Cli.Run run = new Cli().run("purge", "--config", Cli.config(dir, intake.url()).toString(),
        "--failed", failed.toString(), urls.toString());

    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
    assertThat(List.of(intake.count(1), intake.count(2), intake.count(3))).containsExactly(1, 1, 1);
    assertThat(intake.taken()).isEqualTo(3);
    List<String> lines = Files.readAllLines(failed);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("not a url\tinvalid-url: ").endsWith("(line 2)");
    assertThat(lines.get(1)).startsWith("ftp://files.example.org/x\tinvalid-url: ").endsWith("(line 5)");
    assertThat(lines.get(2)).startsWith("https://purge.example.org/wiki/Invalid_1\tdead-lettered: ")
        .contains("refused by the test intake").endsWith("(line 6)");
    assertThat(run.out()).contains("refused        2").contains("dead-lettered  1")
        .contains("failed         3, listed in " + failed)
        .contains("exit           1: some URLs were refused or dead-lettered");

    // The failed file is valid input: re-running it relays exactly those URLs again (and fails them again).
    Cli.Run again = new Cli().run("purge", "--config", Cli.config(dir, intake.url()).toString(),
        "--failed", dir.resolve("failed2.txt").toString(), failed.toString());
    assertThat(again.exit()).isEqualTo(1);
    assertThat(Files.readAllLines(dir.resolve("failed2.txt"))).hasSize(3);
    assertThat(intake.taken()).isEqualTo(3);
  }

  @Test
  void aConfigTypoExits64NamingTheKey() throws Exception {
    Path config = Cli.config(dir, intake.url(), "eventServices.eventgate.timout=10s");
    Cli.Run run = new Cli().run("purge", "--config", config.toString(), Cli.urls(dir.resolve("u.txt"), 3)
        .toString());

    assertThat(run.exit()).isEqualTo(64);
    assertThat(run.err()).contains("config error: eventServices.eventgate.timout: unknown key");
    assertThat(intake.requests()).isZero();
  }

  @Test
  void badUsageExits64() throws Exception {
    Path config = Cli.config(dir, intake.url());
    assertThat(new Cli().run("purge", dir.resolve("u.txt").toString()).exit()).isEqualTo(64); // no --config
    assertThat(new Cli().run("purge", "--config", config.toString(), "--rate", "fast").exit()).isEqualTo(64);
    Cli.Run missing = new Cli().run("purge", "--config", config.toString(), dir.resolve("absent.txt").toString());
    assertThat(missing.exit()).isEqualTo(64);
    assertThat(missing.err()).contains("cannot read " + dir.resolve("absent.txt"));
    Cli.Run channel = new Cli().run("purge", "--config", config.toString(), "--channel", "other", "-");
    assertThat(channel.exit()).isEqualTo(64);
    assertThat(channel.err()).contains("relayers.other.type: is not configured");
    assertThat(new Cli().run("frobnicate").exit()).isEqualTo(64);
  }

  @Test
  void dryRunChecksEveryUrlAndSendsNothing() throws Exception {
    Path urls = Cli.lines(dir.resolve("urls.txt"), List.of(CountingIntake.PREFIX + 1, "not a url",
        CountingIntake.PREFIX + 2));
    Path failed = dir.resolve("failed.txt");
    Cli.Run run = new Cli().run("purge", "--config", Cli.config(dir, intake.url()).toString(), "--dry-run",
        "--failed", failed.toString(), urls.toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("nothing sent").contains("valid          2").contains("invalid        1");
    assertThat(Files.readAllLines(failed)).singleElement().asString().startsWith("not a url\tinvalid-url");

    Cli.Run clean = new Cli().run("purge", "--config", Cli.config(dir, intake.url()).toString(), "--dry-run",
        Cli.urls(dir.resolve("ok.txt"), 500).toString());
    assertThat(clean.exit()).as(clean.err()).isZero();
    assertThat(clean.out()).contains("valid          500");
    assertThat(intake.requests()).isZero();
  }

  @Test
  void rateLimitIsHonoured() throws Exception {
    Path urls = Cli.urls(dir.resolve("urls.txt"), 60);
    long start = System.nanoTime();
    Cli.Run run = new Cli().run("purge", "--config", Cli.config(dir, intake.url()).toString(), "--rate", "40",
        urls.toString());
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(intake.missingAndDuplicated(60)).containsExactly(0, 0);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1_200)); // 60 at 40/s: 1.5 s at the least
  }

  @Test
  void intakeDownAndUpMidRunStillEndsWithExitZero() throws Exception {
    int n = 60_000;
    Path urls = Cli.urls(dir.resolve("urls.txt.gz"), n);
    // One batch in flight: with the default four, every batch the intake had read when it stopped loses its answer
    // and is re-sent, so "at most one batch re-sent" holds only with one outstanding at a time.
    Path config = Cli.config(dir, intake.url(), "eventServices.eventgate.maxBatchEvents=500",
        "eventServices.eventgate.maxInFlightRequests=1");
    Cli cli = new Cli();
    CompletableFuture<Cli.Run> run = CompletableFuture.supplyAsync(() -> cli.run("purge", "--config",
        config.toString(), "--progress-interval", "100ms", urls.toString()));

    await().atMost(Duration.ofSeconds(30)).until(() -> intake.taken() >= 5_000);
    intake.stop();
    // The run sees the outage: its progress lines name the open breaker and the failure.
    await().atMost(Duration.ofSeconds(30)).until(() -> cli.out().contains("breaker eventgate=OPEN"));
    intake.start();

    Cli.Run done = run.get();
    assertThat(done.exit()).as(done.out() + done.err()).isZero();
    int[] md = intake.missingAndDuplicated(n);
    assertThat(md[0]).as("missing").isZero();
    assertThat(md[1]).as("re-sent after a lost answer: at most one batch").isLessThanOrEqualTo(500);
    assertThat(done.out()).contains("delivered      60,000").contains(": OK").contains("exit           0");
  }

  @Test
  void timeoutWithTheIntakeDownExitsTwoAndListsWhatIsNotFinal() throws Exception {
    intake.stop();
    Path urls = Cli.urls(dir.resolve("urls.txt"), 200);
    Path failed = dir.resolve("failed.txt");
    Cli.Run run = new Cli().run("purge", "--config", Cli.config(dir, intake.url()).toString(), "--timeout", "1s",
        "--failed", failed.toString(), urls.toString());

    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(2);
    assertThat(Files.readAllLines(failed, StandardCharsets.UTF_8)).hasSize(200)
        .allMatch(l -> l.startsWith(CountingIntake.PREFIX) && l.contains("\tdropped: "));
    assertThat(run.out()).contains("dropped        200").contains("exit           2");
  }
}
