package org.eventrelayer.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.eventrelayer.examples.demo.LocalEventGate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Quick start, as a new user runs it: its Java block is compiled exactly as printed, then run in a JVM
 * of its own, in a directory holding the README's {@code eventrelayer.properties} (pointed at an intake on
 * 127.0.0.1), with slf4j-simple as the binding the README tells to add.
 */
class QuickStartReadmeTest {

  @TempDir
  Path dir;

  @Test
  void theQuickStartCompilesAsPrintedAndDeliversItsPurges() throws Exception {
    String readme = Files.readString(Path.of(System.getProperty("basedir", "."), "..", "README.md"));
    String quickStart = readme.substring(readme.indexOf("## Quick start"), readme.indexOf("## Modules"));
    String java = block(quickStart, "```java\n");
    String properties = block(quickStart, "```properties\n");
    assertThat(java).contains("public final class PurgeOnSave");

    Path classes = Files.createDirectories(dir.resolve("classes"));
    Path source = Files.createDirectories(dir.resolve("src")).resolve("PurgeOnSave.java");
    Files.writeString(source, java);
    compile(source, classes);

    try (LocalEventGate gate = LocalEventGate.builder().start()) {
      assertThat(properties).contains("http://127.0.0.1:8192/v1/events");
      Files.writeString(dir.resolve("eventrelayer.properties"),
          properties.replace("127.0.0.1:8192", "127.0.0.1:" + gate.port()));

      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"),
          // slf4j-simple's default level, as a new user has it (this module's simplelogger.properties says warn).
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "PurgeOnSave")
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .start();
      boolean exited = p.waitFor(60, TimeUnit.SECONDS);
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!exited) {
        p.destroyForcibly();
      }

      assertThat(exited).as(output).isTrue();
      assertThat(p.exitValue()).as(output).isZero();
      assertThat(output).contains("delivered 2 of 2").doesNotContain("No SLF4J providers");
      assertThat(gate.received()).isEqualTo(2);
    }
  }

  private static String block(String text, String fence) {
    int start = text.indexOf(fence);
    assertThat(start).as("a %s block in the Quick start", fence.trim()).isNotNegative();
    start += fence.length();
    return text.substring(start, text.indexOf("```", start));
  }

  private static void compile(Path source, Path classes) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      Iterable<? extends JavaFileObject> units = files.getJavaFileObjects(source);
      boolean ok = javac.getTask(diagnostics, files, null,
          List.of("-Xlint:all", "-Werror", "-d", classes.toString(), "-cp", System.getProperty("java.class.path")),
          null, units).call();
      assertThat(ok).as("the Quick start compiles:%n%s", diagnostics).isTrue();
    }
  }
}
