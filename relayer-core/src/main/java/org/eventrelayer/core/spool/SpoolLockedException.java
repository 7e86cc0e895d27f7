package org.eventrelayer.core.spool;

import java.io.IOException;

/** The spool directory is in use by another spool, in this process or another one. */
public final class SpoolLockedException extends IOException {

  private static final long serialVersionUID = 1L;

  SpoolLockedException(String message) {
    super(message);
  }
}
