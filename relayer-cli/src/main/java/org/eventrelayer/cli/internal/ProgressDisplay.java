package org.eventrelayer.cli.internal;

/** A running progress display (bar, lines, or none); closing it draws the last state and stops it. */
public interface ProgressDisplay extends AutoCloseable {

  /** A display that shows nothing. */
  ProgressDisplay NONE = () -> { };

  @Override
  void close();
}
