package org.eventrelayer.examples.modular;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.eventrelayer.testkit.EventGateIntake;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library on the module path: the application in {@code src/main/java} (module {@code example.purge}, which
 * requires only {@code org.eventrelayer.api}) runs with {@code java --module-path ... -m} in a JVM of its own
 * against a real intake on loopback (also with the {@code --add-exports} the README gives for OkHttp's task
 * runner), and a variant of it that reaches into an internal package does not compile.
 * The module path is the application's runtime dependencies as Maven resolved them (target/app-module-path.txt).
 */
class ModularAppTest {

  private static final Path BASEDIR = Path.of(System.getProperty("basedir", "."));

  /** What relayer-http logs (at debug) when it cannot install its private OkHttp task runner. */
  private static final String FALLBACK = "OkHttp has no private task runner hook";

  private static String modulePath;

  @TempDir
  Path dir;

  @BeforeAll
  static void readModulePath() throws IOException {
    modulePath = Files.readString(BASEDIR.resolve("target/app-module-path.txt")).strip();
    assertThat(modulePath).contains("relayer-api").contains("relayer-http").contains("okhttp");
  }

  @Test
  void theApplicationRelaysThroughHttpWithEveryEventrelayerModuleExplicit() throws Exception {
    try (EventGateIntake intake = EventGateIntake.start()) {
      String output = runApp(intake, List.of());

      // Found through ServiceLoader (the API's `uses`, the transport's and the null relayer's `provides`), each
      // from its module-info: none is an automatic module.
      assertThat(output).contains("MODULES org.eventrelayer.api:explicit org.eventrelayer.core:explicit "
          + "org.eventrelayer.http:explicit org.eventrelayer.noop:explicit\n");
      assertThat(output).contains("ACCEPTED 2\n").contains("DELIVERED 2\n");
      assertThat(intake.stored("resource-purge")).hasSize(2)
          .anySatisfy(e -> assertThat(e).contains("https://en.example.org/wiki/Modular?action=history"));
      // OkHttp does not export its task runner to us: the transport falls back to OkHttp's shared one.
      assertThat(output).contains(FALLBACK);
    }
  }

  @Test
  void withTheDocumentedAddExportsTheTransportGetsItsPrivateTaskRunner() throws Exception {
    try (EventGateIntake intake = EventGateIntake.start()) {
      String output = runApp(intake, List.of(
          "--add-exports", "okhttp3/okhttp3.internal.concurrent=org.eventrelayer.http",
          "--add-exports", "okhttp3/okhttp3.internal.connection=org.eventrelayer.http"));

      assertThat(output).contains("DELIVERED 2\n").doesNotContain(FALLBACK);
      assertThat(intake.stored("resource-purge")).hasSize(2);
    }
  }

  /** Runs the application on the module path against {@code intake}; returns its output once it exited with 0. */
  private static String runApp(EventGateIntake intake, List<String> jvmOptions) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--module-path", BASEDIR.resolve("target/classes") + File.pathSeparator + modulePath,
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.org.eventrelayer.http=debug"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-m", "example.purge/example.purge.PurgeApp", intake.url()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(exited).as(output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).doesNotContain("Exception\n").doesNotContain("WARN");
    return output;
  }

  @Test
  void anInternalPackageIsNotVisibleToTheApplication() throws IOException {
    Path src = Files.createDirectories(dir.resolve("src/example/purge"));
    Files.copy(BASEDIR.resolve("src/main/java/module-info.java"), dir.resolve("src/module-info.java"));
    // org.eventrelayer.internal is exported to eventrelayer's own modules only; core's spool is not exported.
    Files.writeString(src.resolve("Sneaky.java"), """
        package example.purge;

        final class Sneaky {
          final Object check = org.eventrelayer.internal.UrlCheck.class;
          final Object spool = org.eventrelayer.core.spool.MappedSpool.class;
        }
        """);

    StringWriter diagnostics = new StringWriter();
    boolean ok = compile(diagnostics, dir.resolve("src/module-info.java"), src.resolve("Sneaky.java"));

    assertThat(ok).as(diagnostics.toString()).isFalse();
    assertThat(diagnostics.toString())
        .contains("package org.eventrelayer.internal is not visible")
        .contains("does not export it to module example.purge")
        .contains("package org.eventrelayer.core.spool is not visible");
  }

  private boolean compile(StringWriter diagnostics, Path... sources) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      // Not this test's class path, which javac would take by default: the library is on the module path only.
      files.setLocation(StandardLocation.CLASS_PATH, List.of());
      return javac.getTask(diagnostics, files, null,
          List.of("--module-path", modulePath, "-d", Files.createDirectories(dir.resolve("classes")).toString()),
          null, files.getJavaFileObjects(sources)).call();
    }
  }
}
