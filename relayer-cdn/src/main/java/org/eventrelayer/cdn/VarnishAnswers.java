package org.eventrelayer.cdn;

import java.net.ConnectException;
import java.net.SocketTimeoutException;

/**
 * What one cache's answer to one purge means (the table is in the README, "Purging caches and CDNs"):
 * 2xx purged, 404 not in cache (success), 403/405/501 the VCL does not allow the method (dead letter: retrying
 * cannot help), 408/429/5xx and failed exchanges retried for that host, other 4xx dead-lettered, anything else
 * retried.
 */
final class VarnishAnswers {

  /** The outcome at one host. */
  enum Kind {
    DONE,
    INVALID,
    RETRY
  }

  /** An outcome and, unless done, why. */
  record Verdict(Kind kind, String reason) {
    static final Verdict DONE = new Verdict(Kind.DONE, null);
  }

  private VarnishAnswers() {}

  /** The meaning of {@code answer} from {@code host} to a request of {@code method}. */
  static Verdict of(CallGroup.Answer answer, String host, String method) {
    if (answer.failed()) {
      String what = answer.failure() instanceof ConnectException ? "cannot connect to"
          : answer.failure() instanceof SocketTimeoutException ? "timed out talking to"
          : "exchange failed with";
      return new Verdict(Kind.RETRY, what + " cache " + host + " (" + answer.failure().getClass().getSimpleName()
          + (answer.failure().getMessage() == null ? "" : ": " + answer.failure().getMessage()) + ")");
    }
    int code = answer.code();
    if ((code >= 200 && code < 300) || code == 404) {
      return Verdict.DONE;
    }
    String status = code + (answer.message() == null || answer.message().isEmpty() ? "" : " " + answer.message());
    if (code == 403 || code == 405 || code == 501) {
      return new Verdict(Kind.INVALID, "cache " + host + " refused " + method + " (" + status + "): its VCL must "
          + "allow " + method + " from this client in vcl_recv (e.g. an ACL, then return (purge)"
          + (method.equals("BAN") ? " or ban(...)" : "") + ")");
    }
    if (code == 408 || code == 429 || code >= 500) {
      return new Verdict(Kind.RETRY, "cache " + host + " answered " + status);
    }
    if (code >= 400) {
      return new Verdict(Kind.INVALID, "cache " + host + " refused the purge: " + status);
    }
    return new Verdict(Kind.RETRY, "cache " + host + " answered " + status + " to " + method);
  }
}
