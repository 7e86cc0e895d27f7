package org.eventrelayer.cdn;

/** Header rules the CDN transports share. */
final class ApiHeaders {

  static final String USER_AGENT = "eventrelayer-cdn";

  private ApiHeaders() {}

  /** Whether OkHttp would accept {@code s} as a header value (visible ASCII, space, tab). */
  static boolean isHeaderValue(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c == '\t' || (c >= 0x20 && c < 0x7f))) {
        return false;
      }
    }
    return true;
  }
}
