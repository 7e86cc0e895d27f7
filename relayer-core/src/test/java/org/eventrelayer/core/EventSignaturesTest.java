package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventSignaturesTest {

  private static final String EVENT = "{\"$schema\":\"/resource_change/1.0.0\",\"meta\":{\"uri\":\"https://x.org/\","
      + "\"stream\":\"resource-purge\",\"dt\":\"2026-11-23T05:38:05.123Z\"}}";

  @Test
  void signsLikeSerializingWithTheFieldLastAndVerifiesAnyFormatting() {
    EventSignatures s = EventSignatures.of("s3cret", "HmacSHA256", "signature");
    byte[] signed = s.signJsonObject(EVENT.getBytes(StandardCharsets.UTF_8));
    String text = new String(signed, StandardCharsets.UTF_8);
    String expectedSig = s.sign(EVENT.getBytes(StandardCharsets.UTF_8));
    assertThat(text).isEqualTo(EVENT.substring(0, EVENT.length() - 1) + ",\"signature\":\"" + expectedSig + "\"}");
    assertThat(expectedSig).hasSize(64).matches("[0-9a-f]+");
    assertThat(s.verify(text)).isTrue();
    assertThat(s.verify(text.replace(",", ", "))).isTrue(); // whitespace does not matter
    assertThat(s.verify(text.replace("resource-purge", "resource-purgE"))).isFalse();
    assertThat(EventSignatures.of("other", "HmacSHA256", "signature").verify(text)).isFalse();
    assertThat(s.verify(EVENT)).isFalse();
    assertThat(s.verify("not json")).isFalse();
  }

  @Test
  void mediawikiCompatibleSha1AndAnEmptyObject() {
    EventSignatures s = EventSignatures.of("key", "hmacsha1", "mediawiki_signature");
    String signed = new String(s.signJsonObject("{}".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    assertThat(signed).matches("\\{\"mediawiki_signature\":\"[0-9a-f]{40}\"}");
    assertThat(s.verify(signed)).isTrue();
  }

  @Test
  void refusesBadSettingsAndNeverPrintsTheSecret() {
    assertThatThrownBy(() -> EventSignatures.of("", "HmacSHA256", "signature"))
        .hasMessageContaining("secret must not be empty");
    assertThatThrownBy(() -> EventSignatures.of("k", "MD5", "signature")).hasMessageContaining("unsupported");
    assertThat(EventSignatures.of("hunter2", "HmacSHA256", "sig").toString()).doesNotContain("hunter2");
  }
}
