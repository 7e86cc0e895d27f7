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

  private VarnishAnswers() {}

  /** The meaning of {@code answer} from {@code host} to a request of {@code method}. */
  static Verdict of(CallGroup.Answer answer, String host, String method) {
    if (answer.failed()) {
      String what = answer.failure() instanceof ConnectException ? "cannot connect to"
          : answer.failure() instanceof SocketTimeoutException ? "timed out talking to"
          : "exchange failed with";
      return Verdict.retry(what + " cache " + host + " (" + Verdict.failure(answer.failure()) + ")");
    }
    int code = answer.code();
    if ((code >= 200 && code < 300) || code == 404) {
      return Verdict.DONE;
    }
    String status = code + (answer.message() == null || answer.message().isEmpty() ? "" : " " + answer.message());
    if (code == 403 || code == 405 || code == 501) {
      return Verdict.invalid("cache " + host + " refused " + method + " (" + status + "): its VCL must "
          + "allow " + method + " from this client in vcl_recv (e.g. an ACL, then return (purge)"
          + (method.equals("BAN") ? " or ban(...)" : "") + ")");
    }
    if (code == 408 || code == 429 || code >= 500) {
      return Verdict.retry("cache " + host + " answered " + status);
    }
    if (code >= 400) {
      return Verdict.invalid("cache " + host + " refused the purge: " + status);
    }
    return Verdict.retry("cache " + host + " answered " + status + " to " + method);
  }
}
