package org.eventrelayer.cdn;

/**
 * What one answer means for the purges it carried: done, refused for good (dead letter) or to be retried, with
 * the reason when not done.
 */
record Verdict(Kind kind, String reason) {

  /** The outcome. */
  enum Kind {
    DONE,
    INVALID,
    RETRY
  }

  static final Verdict DONE = new Verdict(Kind.DONE, null);

  static Verdict invalid(String reason) {
    return new Verdict(Kind.INVALID, reason);
  }

  static Verdict retry(String reason) {
    return new Verdict(Kind.RETRY, reason);
  }

  /** A short description of a failed exchange, for reasons. */
  static String failure(java.io.IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
