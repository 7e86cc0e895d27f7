package org.eventrelayer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code bin/eventrelayer} (on this JVM's class path, through {@code EVENTRELAYER_CLASSPATH}) with
 * standard output piped, then in a pseudo-terminal made by util-linux {@code script}, and checks the progress each
 * way: plain lines for logs, a live bar on a terminal.
 */
class ScriptTest {

  private static final Pattern PROGRESS_LINE = Pattern.compile("progress \\d+\\.\\ds read [\\d,]+ accepted [\\d,]+ "
      + "delivered [\\d,]+ refused [\\d,]+ dead-lettered [\\d,]+ rate [\\d,]+/s eta (\\d+s|\\?|-)");

  @TempDir
  Path dir;

  private CountingIntake intake;
  private Path config;
  private Path urls;

  @BeforeEach
  void setUp() throws Exception {
    intake = new CountingIntake(3_000);
    config = Cli.config(dir, intake.url());
    urls = Cli.urls(dir.resolve("urls.txt"), 3_000);
  }

  @AfterEach
  void tearDown() {
    intake.close();
  }

  @Test
  void printsPlainProgressLinesWhenStandardOutputIsNotATerminal() throws Exception {
    List<String> command = new ArrayList<>(List.of(script().toString(), "purge", "--config", config.toString(),
        "--rate", "2000", "--progress-interval", "200ms", urls.toString()));
    Result r = run(command);

    assertThat(r.exit()).as(r.output()).isZero();
    List<String> progress = r.output().lines().filter(l -> l.startsWith("progress ")).toList();
    assertThat(progress).as(r.output()).hasSizeGreaterThanOrEqualTo(3).allMatch(l -> PROGRESS_LINE.matcher(l)
        .matches());
    assertThat(r.output()).doesNotContain("\r").doesNotContain("\u001b")
        .contains("delivered      3,000").contains("exit           0: all delivered");
    assertThat(intake.missingAndDuplicated(3_000)).containsExactly(0, 0);
  }

  @Test
  void drawsALiveBarInAPseudoTerminal() throws Exception {
    assertThat(onPath("script")).as("util-linux's `script` makes the pseudo-terminal; on Debian it is in bsdutils "
        + "(apt-get install bsdutils)").isTrue();
    // A pseudo-terminal made without one around it has no size: give it an operator's width.
    String inner = "stty cols 160 rows 40; " + shellQuote(script().toString()) + " purge --config "
        + shellQuote(config.toString()) + " --rate 2000 " + shellQuote(urls.toString());
    Result r = run(List.of("script", "-qec", inner, "/dev/null"));

    assertThat(r.exit()).as(r.output()).isZero();
    // The bar redraws itself in place (carriage returns) with the percentage, the counts and the rate.
    List<String> frames = List.of(r.output().split("\r"));
    List<String> bars = frames.stream().filter(f -> f.startsWith("purge") && f.contains("%")).toList();
    assertThat(bars).as(r.output()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(bars).anyMatch(f -> f.contains("URLs/s") && f.contains("read ") && f.contains("delivered "));
    assertThat(bars.get(bars.size() - 1)).contains("100%").contains("delivered 3,000");
    assertThat(r.output()).doesNotContain("progress ").contains("exit           0: all delivered");
    assertThat(intake.missingAndDuplicated(3_000)).containsExactly(0, 0);
  }

  @Test
  void ctrlCStopsPrintsTheSummaryAndListsWhatWasNotDelivered() throws Exception {
    intake.stop(); // nothing can be delivered: the run would wait
    Path failed = dir.resolve("failed.txt");
    Path output = dir.resolve("interrupted.txt");
    ProcessBuilder pb = command(List.of(script().toString(), "purge", "--config", config.toString(),
        "--progress-interval", "200ms", "--failed", failed.toString(), urls.toString()));
    pb.redirectOutput(output.toFile());
    Process p = pb.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(output).contains("progress "));
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s of Ctrl-C").isTrue();
    } finally {
      p.destroyForcibly();
    }

    String out = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isEqualTo(130);
    assertThat(out).contains("exit           130: interrupted");
    assertThat(Files.readAllLines(failed)).as("every URL, dropped or not sent").hasSize(3_000)
        .allMatch(l -> l.startsWith(CountingIntake.PREFIX))
        .allMatch(l -> l.contains("\tdropped: ") || l.contains("\tnot sent: interrupted (Ctrl-C)"));
  }

  private record Result(int exit, String output) {}

  private Result run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = command(command);
    Path output = dir.resolve("output-" + System.nanoTime() + ".txt");
    pb.redirectOutput(output.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("finished within 60 s").isTrue();
    return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
  }

  private static ProcessBuilder command(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("EVENTRELAYER_CLASSPATH", System.getProperty("java.class.path"));
    pb.environment().put("EVENTRELAYER_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("TERM", "xterm-256color");
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return pb;
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  private static Path script() {
    Path script = Path.of("bin", "eventrelayer").toAbsolutePath();
    assertThat(script).as("the script, relative to the module (surefire's working directory)").isExecutable();
    return script;
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
