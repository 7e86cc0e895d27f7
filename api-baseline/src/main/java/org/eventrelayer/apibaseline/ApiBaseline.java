package org.eventrelayer.apibaseline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks (or, deliberately, updates) the committed API baseline of every library module: {@code
 * signatures/<artifactId>.api} against the module's compiled classes ({@link ApiSignatures}). Any difference fails
 * the build, listing each class's removed lines (which break users) and added lines (compatible), so that an API
 * change is always a reviewed change of the baseline file.
 *
 * <p>Arguments: {@code check} or {@code update}, the signatures directory, then {@code artifactId=classesDir} per
 * module.
 */
public final class ApiBaseline {

  /** The command that rewrites the baseline, for the failure message. */
  static final String UPDATE_COMMAND = "mvn -B -ntp -o -q verify -DskipTests -Dapi.update";

  private ApiBaseline() {}

  /**
   * Runs the check or the update.
   *
   * @param args {@code check|update}, the signatures directory, then {@code artifactId=classesDir} per module
   * @throws IOException when a file cannot be read or written
   * @throws IllegalStateException when a module's API differs from its baseline (check)
   */
  public static void main(String[] args) throws IOException {
    if (args.length < 3 || !Set.of("check", "update").contains(args[0])) {
      throw new IllegalArgumentException("usage: check|update <signatures dir> <artifactId>=<classes dir>...");
    }
    boolean update = args[0].equals("update");
    Path dir = Path.of(args[1]);
    StringBuilder differences = new StringBuilder();
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      String artifact = args[i].substring(0, eq);
      Path classes = Path.of(args[i].substring(eq + 1));
      if (!Files.isRegularFile(classes.resolve("module-info.class"))) {
        throw new IllegalStateException(artifact + ": no module-info.class in " + classes + " (build it first)");
      }
      Map<String, List<String>> actual = ApiSignatures.of(classes);
      Path file = dir.resolve(artifact + ".api");
      if (update) {
        Files.createDirectories(dir);
        Files.writeString(file, ApiSignatures.format(actual), StandardCharsets.UTF_8);
        continue;
      }
      if (!Files.isRegularFile(file)) {
        differences.append(artifact).append(": no baseline ").append(file).append('\n');
        continue;
      }
      String diff = diff(ApiSignatures.parse(Files.readAllLines(file, StandardCharsets.UTF_8)), actual);
      if (!diff.isEmpty()) {
        differences.append(artifact).append(" (").append(file).append("):\n").append(diff);
      }
    }
    if (differences.length() > 0) {
      throw new IllegalStateException("The public API differs from the committed baseline.\n" + differences
          + "Lines marked - were removed or changed: that breaks users (binary or source) and needs a new major"
          + " version.\nLines marked + were added: compatible.\nIf the change is intended, update the baseline"
          + " with `" + UPDATE_COMMAND + "` and commit " + dir + " with the change.");
    }
  }

  /** Per class (or the module section), the lines only the baseline has ({@code -}) and only the build has. */
  static String diff(Map<String, List<String>> baseline, Map<String, List<String>> actual) {
    StringBuilder out = new StringBuilder();
    Set<String> keys = new TreeSet<>(baseline.keySet());
    keys.addAll(actual.keySet());
    for (String key : keys) {
      Set<String> before = new LinkedHashSet<>(baseline.getOrDefault(key, List.of()));
      Set<String> after = new LinkedHashSet<>(actual.getOrDefault(key, List.of()));
      List<String> lines = new ArrayList<>();
      before.stream().filter(l -> !after.contains(l)).forEach(l -> lines.add("    - " + l));
      after.stream().filter(l -> !before.contains(l)).forEach(l -> lines.add("    + " + l));
      if (!lines.isEmpty()) {
        out.append("  ").append(key).append('\n');
        lines.forEach(l -> out.append(l).append('\n'));
      }
    }
    return out.toString();
  }
}
