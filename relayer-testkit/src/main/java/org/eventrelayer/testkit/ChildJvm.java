package org.eventrelayer.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A host in a JVM of its own, for crash tests: runs a main class on this JVM's class path, collects its standard
 * output line by line (a host reports progress as {@code WORD value} lines), and can be killed with SIGKILL.
 */
public final class ChildJvm {

  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private ChildJvm(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process died: its pipe closes
      }
    }, "child-jvm-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code mainClass} with {@code args} in a new JVM (serial GC, C1 only, logging at WARN: it starts fast).
   *
   * @param stderr where the child's standard error goes
   */
  public static ChildJvm start(Class<?> mainClass, Path stderr, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        mainClass.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectError(stderr.toFile());
    return new ChildJvm(pb.start());
  }

  /** The process. */
  public Process process() {
    return process;
  }

  /** Whether the child still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Every line the child printed so far. */
  public List<String> lines() {
    return lines;
  }

  /** The last line starting with {@code word + " "}, if any. */
  public Optional<String> lastLine(String word) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith(word + " ")) {
        return Optional.of(lines.get(i));
      }
    }
    return Optional.empty();
  }

  /** The number of the last {@code WORD n} line, or -1 if there is none yet. */
  public long lastNumber(String word) {
    return lastLine(word).map(l -> Long.parseLong(l.substring(word.length() + 1).trim())).orElse(-1L);
  }

  /** The values of every {@code WORD value} line. */
  public Set<String> values(String word) {
    Set<String> out = new HashSet<>();
    for (String l : lines) {
      if (l.startsWith(word + " ")) {
        out.add(l.substring(word.length() + 1));
      }
    }
    return out;
  }

  /** Kills the child with SIGKILL (no shutdown hook, no close) and waits for it to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
