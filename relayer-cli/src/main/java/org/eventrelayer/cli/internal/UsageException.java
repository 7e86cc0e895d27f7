package org.eventrelayer.cli.internal;

/** Bad usage the operator must fix (an unreadable file, a config unfit for the command): exit code 64. */
public final class UsageException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates the exception with the message shown to the operator. */
  public UsageException(String message) {
    super(message);
  }
}
