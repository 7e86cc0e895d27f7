package org.eventrelayer.cli;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * The command's standard streams, and whether standard output is a terminal (then purge draws a live bar, else it
 * prints plain lines). {@code bin/eventrelayer} tells the JVM with {@code -Deventrelayer.stdout.tty}, since Java
 * only knows whether both standard input and output are terminals.
 *
 * @param in standard input ({@code purge -} reads it)
 * @param out standard output: progress and summary
 * @param err standard error: errors, and failed URLs when there is no {@code --failed} file
 * @param stdoutIsTerminal whether {@code out} is a terminal
 */
public record Stdio(InputStream in, PrintStream out, PrintStream err, boolean stdoutIsTerminal) {

  /** The process's streams. */
  public static Stdio system() {
    String told = System.getProperty("eventrelayer.stdout.tty");
    boolean tty = told != null ? Boolean.parseBoolean(told) : System.console() != null;
    return new Stdio(System.in, System.out, System.err, tty);
  }
}
