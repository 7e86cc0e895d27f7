package org.eventrelayer.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Runs the command in-process through its picocli entry point, and writes the files it reads. */
final class Cli {

  /** What one run printed and returned. */
  record Run(int exit, String out, String err) {}

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final InputStream in;

  Cli(InputStream in) {
    this.in = in;
  }

  Cli() {
    this(new ByteArrayInputStream(new byte[0]));
  }

  /** Runs {@code args} with standard output not a terminal. */
  Run run(String... args) {
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    int code = EventRelayerCli.run(new Stdio(in, o, e, false), args);
    return new Run(code, out(), err());
  }

  /** What was printed on standard output so far (the run may still go on in another thread). */
  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** A config relaying channel cdn-url-purges to {@code url}, quick to retry and to probe again, plus {@code extra}. */
  static Path config(Path dir, String url, String... extra) throws IOException {
    StringBuilder sb = new StringBuilder()
        .append("relayers.cdn-url-purges.type=cdn-purge\n")
        .append("relayers.cdn-url-purges.stream=resource-purge\n")
        .append("relayers.cdn-url-purges.tags=cli-test\n")
        .append("relayers.default.type=null\n")
        .append("eventServices.eventgate.type=http\n")
        .append("eventServices.eventgate.url=").append(url).append('\n')
        .append("eventServices.eventgate.timeout=5s\n")
        .append("eventServices.eventgate.connectTimeout=500ms\n")
        .append("eventServices.eventgate.retry.initialBackoff=20ms\n")
        .append("eventServices.eventgate.retry.maxBackoff=200ms\n")
        .append("eventServices.eventgate.breaker.slidingWindowSize=4\n")
        .append("eventServices.eventgate.breaker.minimumNumberOfCalls=2\n")
        .append("eventServices.eventgate.breaker.waitInOpenState=200ms\n")
        .append("eventServices.eventgate.breaker.maxWaitInOpenState=500ms\n");
    for (String line : extra) {
      sb.append(line).append('\n');
    }
    Path file = dir.resolve("eventrelayer.properties");
    Files.writeString(file, sb.toString());
    return file;
  }

  /** Writes {@code CountingIntake.PREFIX + 0 .. n-1}, one a line, with a comment and a blank line first. */
  static Path urls(Path file, int n) throws IOException {
    OutputStream raw = Files.newOutputStream(file);
    OutputStream os = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw, 64 * 1024) : raw;
    try (Writer w = new java.io.BufferedWriter(
        new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8), 64 * 1024)) {
      w.write("# purges for the test\n\n");
      for (int i = 0; i < n; i++) {
        w.write(CountingIntake.PREFIX);
        w.write(Integer.toString(i));
        w.write('\n');
      }
    }
    return file;
  }

  /** Writes {@code lines} as they are. */
  static Path lines(Path file, List<String> lines) throws IOException {
    return Files.write(file, lines);
  }
}
