package org.eventrelayer.core;

import java.nio.file.Path;

/**
 * For {@link SpoolLogTest}, run in a JVM of its own: tries to open the spool in the directory given as the only
 * argument and prints {@code OPENED} or {@code LOCKED}.
 */
public final class SpoolLockProbe {

  private SpoolLockProbe() {}

  /** Tries the spool directory {@code args[0]}. */
  public static void main(String[] args) throws Exception {
    try (SpoolLog log = SpoolLog.open(Path.of(args[0]), 1 << 20)) {
      System.out.println("OPENED " + log.recoveredEvents());
    } catch (SpoolLog.LockedException e) {
      System.out.println("LOCKED " + e.getMessage());
    }
  }
}
