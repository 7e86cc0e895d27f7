package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.eventrelayer.EventRelayerGroup;

/**
 * Every event the library signs verifies with its own verifier: the signature covers exactly the bytes sent, so
 * exact decimals ({@code 1.10}), numbers beyond a double ({@code 1e400}) and an event's own {@code signature}
 * field (replaced, never emitted twice) all survive.
 */
class SignedEventsPropertiesTest {

  private static final ObjectMapper JSON = new ObjectMapper(); // as the engine serializes
  private static final EventSignatures SIGNER = EventSignatures.of("s3cret", "HmacSHA256", "signature");

  private static int occurrences(String text, String part) {
    Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Example
  void eventsTheVerifierRejectedBeforeAreSignedAndVerifiedThroughTheEngine() {
    String service = Groups.uniqueService();
    EventRelayerGroup g = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("w", Map.of("type", "stream", "stream", "w"), "default", Map.of("type", "null")),
        "eventServices", Map.of(service, Map.of("type", "scripted", "signing.secret", "s3cret"))));
    try {
      List<Map<String, ?>> events = List.of(
          Map.of("price", new BigDecimal("1.10")),
          Map.of("huge", new BigDecimal("1e400"), "n", new BigInteger("123456789012345678901234567890")),
          Map.of("wsid", 7, "signature", "forged"));
      assertThat(g.getRelayer("w").notifyMulti("w", events).accepted()).isEqualTo(3);
      assertThat(g.flush(Duration.ofSeconds(10))).isTrue();
      List<String> sent = ScriptedTransport.of(service).events();
      assertThat(sent).hasSize(3).allSatisfy(json -> {
        assertThat(SIGNER.verify(json)).as(json).isTrue();
        assertThat(SIGNER.verify(json.getBytes(StandardCharsets.UTF_8))).as(json).isTrue();
        assertThat(occurrences(json, "\"signature\"")).as(json).isEqualTo(1);
      });
      assertThat(sent.get(0)).contains("1.10");
      assertThat(sent.get(2)).doesNotContain("forged");
    } finally {
      g.close(Duration.ofSeconds(2));
    }
  }

  @Example
  void aReceivedEventCarryingTheFieldTwiceNeverVerifies() throws Exception {
    byte[] signed = SIGNER.signJsonObject(JSON.writeValueAsBytes(Map.of("a", 1)));
    String text = new String(signed, StandardCharsets.UTF_8);
    String twice = "{\"signature\":\"forged\"," + text.substring(1);
    assertThat(SIGNER.verify(text)).isTrue();
    assertThat(SIGNER.verify(twice)).isFalse();
  }

  @Provide
  Arbitrary<Map<String, Object>> events() {
    Arbitrary<Object> scalars = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(12).map(s -> (Object) s),
        Arbitraries.strings().withChars("\"\\/\n\u00e9\u20ac\ud83d\ude00 ").ofMaxLength(6).map(s -> (Object) s),
        Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.doubles().map(d -> (Object) d),
        Arbitraries.bigDecimals().ofScale(3).map(d -> (Object) d),
        Arbitraries.of("1.10", "1e400", "-0.0", "1E-400", "0.000").map(s -> (Object) new BigDecimal(s)),
        Arbitraries.bigIntegers().map(b -> (Object) b),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.just(null));
    Arbitrary<String> keys = Arbitraries.oneOf(Arbitraries.of("signature", "meta", "a", "sig\"nature"),
        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8));
    Arbitrary<Object> nested = Arbitraries.maps(keys, scalars).ofMaxSize(3).map(m -> (Object) new LinkedHashMap<>(m));
    Arbitrary<Object> lists = scalars.list().ofMaxSize(3).map(l -> (Object) l);
    return Arbitraries.maps(keys, Arbitraries.oneOf(scalars, nested, lists)).ofMaxSize(6)
        .map(LinkedHashMap::new);
  }

  @Property(tries = 500)
  void everySignedEventVerifiesAndCarriesTheFieldOnce(@ForAll("events") Map<String, Object> event)
      throws Exception {
    byte[] json = JSON.writeValueAsBytes(event);
    String signed = new String(SIGNER.signJsonObject(json), StandardCharsets.UTF_8);
    assertThat(SIGNER.verify(signed)).as(signed).isTrue();
    assertThat(JSON.readTree(signed).properties()).filteredOn(e -> e.getKey().equals("signature")).hasSize(1);
    assertThat(EventSignatures.of("other", "HmacSHA256", "signature").verify(signed)).isFalse();
  }
}
