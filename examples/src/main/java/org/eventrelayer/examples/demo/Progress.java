package org.eventrelayer.examples.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Prints the demo's progress: on a console, one line rewritten in place ({@code \r}); otherwise plain lines. On a
 * console it also guards {@code System.err}, where the library logs, so that a log line first clears the live line
 * instead of being glued to it; {@link #close()} puts {@code System.err} back.
 */
final class Progress implements AutoCloseable {

  private final PrintStream out;
  private final boolean live;
  private final PrintStream originalErr;
  private int shownLength; // > 0 while a live line is on screen

  Progress(PrintStream out, boolean live) {
    this.out = out;
    this.live = live;
    if (live) {
      originalErr = System.err;
      System.setErr(new PrintStream(new ClearingStream(originalErr), true));
    } else {
      originalErr = null;
    }
  }

  /** Whether progress is one rewritten line ({@code true}) or plain lines. */
  boolean live() {
    return live;
  }

  /** Shows {@code line} as the current progress. */
  synchronized void update(String line) {
    if (!live) {
      out.println(line);
      return;
    }
    StringBuilder b = new StringBuilder(line.length() + 8).append('\r').append(line);
    for (int i = line.length(); i < shownLength; i++) {
      b.append(' ');
    }
    out.print(b);
    out.flush();
    shownLength = Math.max(1, line.length());
  }

  /** Prints a permanent line (a phase change, the summary), above the live line if there is one. */
  synchronized void println(String line) {
    clear();
    out.println(line);
    out.flush();
  }

  /** Removes the live line, if shown. */
  synchronized void clear() {
    if (shownLength > 0) {
      out.print("\r" + " ".repeat(shownLength) + "\r");
      out.flush();
      shownLength = 0;
    }
  }

  @Override
  public synchronized void close() {
    clear();
    if (originalErr != null) {
      System.err.flush();
      System.setErr(originalErr);
    }
  }

  /** Clears the live line before anything is written to the wrapped stream. */
  private final class ClearingStream extends OutputStream {
    private final PrintStream target;

    ClearingStream(PrintStream target) {
      this.target = target;
    }

    @Override
    public void write(int b) throws IOException {
      clear();
      target.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      clear();
      target.write(b, off, len);
    }

    @Override
    public void flush() {
      target.flush();
    }
  }
}
