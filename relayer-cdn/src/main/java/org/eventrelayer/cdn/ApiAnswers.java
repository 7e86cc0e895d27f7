package org.eventrelayer.cdn;

/**
 * What a CDN API's answer to one purge request means for the purges it carried (the table is in the README,
 * "Purging caches and CDNs"): 2xx done; 429 retried after the wait the API asks for; 401/403 retried (the
 * credentials are an operator's fix, the purges must not be lost meanwhile; the breaker opens); 408 and 5xx and
 * failed exchanges retried; any other 4xx refused for good with the API's own message.
 */
final class ApiAnswers {

  private ApiAnswers() {}

  static Verdict of(CallGroup.Answer a, String provider, String credentialKeys) {
    if (a.failed()) {
      return Verdict.retry("cannot reach the " + provider + " API (" + Verdict.failure(a.failure()) + ")");
    }
    int code = a.code();
    if (code >= 200 && code < 300) {
      return Verdict.DONE;
    }
    String status = code + (a.message() == null || a.message().isEmpty() ? "" : " " + a.message());
    String body = a.bodyText(300);
    String detail = body.isEmpty() ? "" : ": " + body;
    if (code == 429) {
      return Verdict.retry(provider + " rate limit reached (" + status + ")");
    }
    if (code == 401 || code == 403) {
      return Verdict.retry(provider + " refused the credentials (" + status + "); check " + credentialKeys + detail);
    }
    if (code == 408 || code >= 500) {
      return Verdict.retry(provider + " API answered " + status + detail);
    }
    if (code >= 400) {
      return Verdict.invalid(provider + " refused the purge (" + status + ")" + detail);
    }
    return Verdict.retry(provider + " API answered " + status + detail);
  }
}
