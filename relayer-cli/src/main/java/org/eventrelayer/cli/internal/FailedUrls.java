package org.eventrelayer.cli.internal;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where failed URLs go: one {@code URL<TAB>reason} line each, to the {@code --failed} file (which the purge command
 * can read back as its input: text after a tab is ignored), or, without one, the first {@value #STDERR_LIMIT} to
 * standard error.
 */
public final class FailedUrls implements Closeable {

  static final int STDERR_LIMIT = 20;

  private final Path path;
  private final BufferedWriter file;
  private final PrintStream err;
  private long count;

  private FailedUrls(Path path, BufferedWriter file, PrintStream err) {
    this.path = path;
    this.file = file;
    this.err = err;
  }

  /**
   * Opens (truncates) {@code path}, or lists on {@code err} when {@code path} is {@code null}.
   *
   * @throws IOException if the file cannot be created
   */
  public static FailedUrls open(Path path, PrintStream err) throws IOException {
    return new FailedUrls(path, path == null ? null : Files.newBufferedWriter(path, StandardCharsets.UTF_8), err);
  }

  /** Lists one failed URL with its reason (tabs and line breaks in the reason become spaces). */
  public void add(String url, String reason) throws IOException {
    count++;
    String line = url + '\t' + reason.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    if (file != null) {
      file.write(line);
      file.newLine();
    } else if (count <= STDERR_LIMIT) {
      err.println("failed: " + line);
    }
  }

  /** How many URLs were listed. */
  public long count() {
    return count;
  }

  /** Where they went, for the summary. */
  public String where() {
    if (path != null) {
      return "listed in " + path;
    }
    return count <= STDERR_LIMIT ? "listed above" : "the first " + STDERR_LIMIT + " listed above; give --failed FILE "
        + "to keep them all";
  }

  @Override
  public void close() throws IOException {
    if (file != null) {
      file.close();
    }
  }
}
