package org.eventrelayer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UrlCheckTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "https://en.example.org/wiki/Main_Page",
      "http://en.example.org",
      "HTTPS://EN.EXAMPLE.ORG/w/index.php?title=X&action=history#top",
      "https://upload.example.org:8443/a/b%20c.png",
      "https://[2001:db8::1]:8080/x",
      "https://user@host.example/x",
      "https://en.example.org/wiki/Caf%C3%A9_(disambiguation)"})
  void accepts(String url) {
    assertThat(UrlCheck.problem(url)).isNull();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/wiki/Relative|not an absolute http(s) URL",
      "ftp://example.org/x|not an absolute http(s) URL",
      "https://|no host",
      "https:///path|no host",
      "https://host:8x/|port is not a number",
      "https://[::1/|malformed IPv6 host",
      "https://host/a b|whitespace",
      "https://host/a%2|does not start a %XX escape",
      "https://host/caf\u00e9|percent-encode it",
      "https://host/<script>|character '<'"})
  void refuses(String url, String problem) {
    assertThat(UrlCheck.problem(url)).contains(problem);
  }

  @Test
  void acceptsInAPathExactlyTheCharactersRfc3986AllowsOutsideAnEscape() {
    String rfc3986 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=";
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      if (c == '%') {
        continue;
      }
      String problem = UrlCheck.problem("https://host.example/a" + c + "b");
      if (rfc3986.indexOf(c) >= 0) {
        assertThat(problem).as("U+%04X", (int) c).isNull();
      } else {
        assertThat(problem).as("U+%04X", (int) c).isNotNull().contains("percent-encode it");
      }
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "https://en.example.org/wiki/X|en.example.org",
      "http://a.example:81|a.example",
      "https://u:p@b.example/x|b.example",
      "https://[2001:db8::1]:8080/x|[2001:db8::1]",
      "https://c.example?q=1|c.example"})
  void extractsTheHost(String url, String host) {
    assertThat(UrlCheck.host(url)).isEqualTo(host);
  }
}
