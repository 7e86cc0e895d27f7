package org.eventrelayer.apibaseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baseline of a small module compiled here: what counts as API, and what a check reports. */
class ApiBaselineTest {

  @TempDir
  Path dir;

  @Test
  void theApiIsTheExportedPackagesPublicAndProtectedMembersSorted() throws IOException {
    Path classes = compile("""
        public int size() { return 0; }
        public static final String NAME = "n";
        protected void hook() {}
        void hidden() {}
        public static final class Nested { public void visible() {} }
        static final class Closed { public void invisible() {} }
        """);

    String api = ApiSignatures.format(ApiSignatures.of(classes));

    assertThat(api).isEqualTo("""
        module demo
          requires transitive java.sql
          exports demo.api
        public class demo.api.Thing
          protected void hook();
          public demo.api.Thing();
          public int size();
          public static final java.lang.String NAME = "n";
        public final class demo.api.Thing$Nested
          public demo.api.Thing$Nested();
          public void visible();
        """);
    assertThat(ApiSignatures.parse(api.lines().toList())).isEqualTo(ApiSignatures.of(classes));
  }

  @Test
  void aCheckFailsOnAnyDifferenceSayingWhichLinesBreakUsersAndUpdateRewritesTheBaseline() throws IOException {
    Path signatures = dir.resolve("signatures");
    Path before = compile("public void keep() {}\npublic void drop() {}\n");
    ApiBaseline.main(new String[] {"update", signatures.toString(), "demo=" + before});
    ApiBaseline.main(new String[] {"check", signatures.toString(), "demo=" + before});

    Path after = compile("public void keep() {}\npublic void added(long x) {}\n");
    assertThatThrownBy(() -> ApiBaseline.main(new String[] {"check", signatures.toString(), "demo=" + after}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("demo (" + signatures.resolve("demo.api") + "):\n  demo.api.Thing\n"
            + "    - public void drop();\n    + public void added(long);\n")
        .hasMessageContaining(ApiBaseline.UPDATE_COMMAND);

    ApiBaseline.main(new String[] {"update", signatures.toString(), "demo=" + after});
    assertThat(Files.readString(signatures.resolve("demo.api"))).contains("public void added(long);")
        .doesNotContain("drop");
  }

  /** Compiles module demo: demo.api (exported) holds class Thing with {@code members}; demo.impl is not exported. */
  private Path compile(String members) throws IOException {
    Path src = Files.createTempDirectory(dir, "src");
    Files.writeString(src.resolve("module-info.java"),
        "module demo { requires transitive java.sql; exports demo.api; exports demo.impl to java.base; }");
    Path api = Files.createDirectories(src.resolve("demo/api"));
    Files.writeString(api.resolve("Thing.java"), "package demo.api;\npublic class Thing {\n" + members + "}\n");
    Files.writeString(api.resolve("Helper.java"), "package demo.api;\nfinal class Helper { public void x() {} }\n");
    Path impl = Files.createDirectories(src.resolve("demo/impl"));
    Files.writeString(impl.resolve("Impl.java"), "package demo.impl;\npublic final class Impl {}\n");
    Path classes = Files.createTempDirectory(dir, "classes");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      boolean ok = javac.getTask(diagnostics, files, null, List.of("-d", classes.toString()), null,
          files.getJavaFileObjects(src.resolve("module-info.java"), api.resolve("Thing.java"),
              api.resolve("Helper.java"), impl.resolve("Impl.java"))).call();
      assertThat(ok).as(diagnostics.toString()).isTrue();
    }
    return classes;
  }
}
