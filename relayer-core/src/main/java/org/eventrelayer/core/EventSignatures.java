package org.eventrelayer.core;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC signatures of events: a service with {@code signing.secret} set adds a field (default {@code signature})
 * holding the lower-case hex HMAC of exactly the bytes of the event's compact JSON that are sent, minus that field
 * (appended last). An event that already holds a top-level member of that name has it replaced by the signature,
 * so the field is never emitted twice. HMAC-SHA256 by default; {@code signing.algorithm: HmacSHA1} with
 * {@code signing.field: mediawiki_signature} matches MediaWiki's {@code mediawiki_signature}. Consumers verify
 * the message as received with {@link #verify(byte[])}.
 */
public final class EventSignatures {

  /** The algorithms accepted, by their JCA names. */
  public static final List<String> ALGORITHMS = List.of("HmacSHA256", "HmacSHA1", "HmacSHA512");

  /** Readers for re-formatted events: decimals as doubles, and exactly as written. */
  private static final List<ObjectMapper> READERS = List.of(new ObjectMapper(), JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build());
  private static final HexFormat HEX = HexFormat.of();

  private final SecretKeySpec key;
  private final String algorithm;
  private final String field;
  private final byte[] fieldPrefix;
  private final ThreadLocal<Mac> macs;

  private EventSignatures(byte[] secret, String algorithm, String field) {
    this.algorithm = canonical(algorithm);
    this.key = new SecretKeySpec(secret.clone(), this.algorithm);
    this.field = Objects.requireNonNull(field, "field");
    this.fieldPrefix = (",\"" + field + "\":\"").getBytes(StandardCharsets.UTF_8);
    this.macs = ThreadLocal.withInitial(this::newMac);
    newMac(); // fail now, not on a worker, if the algorithm is unavailable
  }

  /**
   * Creates a signer/verifier.
   *
   * @param secret the shared secret (UTF-8); never logged
   * @param algorithm one of {@link #ALGORITHMS} (case-insensitive)
   * @param field the name of the signature field
   */
  public static EventSignatures of(String secret, String algorithm, String field) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("secret must not be empty");
    }
    if (field == null || field.isEmpty() || field.contains("\"") || field.contains("\\")) {
      throw new IllegalArgumentException("field must be a plain, non-empty name");
    }
    return new EventSignatures(secret.getBytes(StandardCharsets.UTF_8), algorithm, field);
  }

  private static String canonical(String algorithm) {
    for (String a : ALGORITHMS) {
      if (a.equalsIgnoreCase(algorithm)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unsupported algorithm '" + algorithm + "'; use one of " + ALGORITHMS);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot use " + algorithm + ": " + e.getMessage(), e);
    }
  }

  /** The signature field's name. */
  public String field() {
    return field;
  }

  /** The hex HMAC of {@code bytes}. */
  public String sign(byte[] bytes) {
    return HEX.formatHex(macs.get().doFinal(bytes));
  }

  /**
   * Signs a compact JSON object: removes any top-level member named as the signature field (the event's own
   * value is replaced), then appends the field holding the HMAC of exactly the remaining bytes.
   */
  byte[] signJsonObject(byte[] original) {
    List<TopLevelMembers.Member> members = TopLevelMembers.members(original);
    if (members == null) {
      throw new IllegalArgumentException("not a JSON object");
    }
    byte[] json = TopLevelMembers.without(original, members, field);
    byte[] signature = sign(json).getBytes(StandardCharsets.US_ASCII);
    boolean empty = json.length == 2;
    int prefixLength = empty ? fieldPrefix.length - 1 : fieldPrefix.length;
    byte[] out = new byte[json.length + prefixLength + signature.length + 1];
    System.arraycopy(json, 0, out, 0, json.length - 1);
    int pos = json.length - 1;
    System.arraycopy(fieldPrefix, empty ? 1 : 0, out, pos, prefixLength);
    pos += prefixLength;
    System.arraycopy(signature, 0, out, pos, signature.length);
    pos += signature.length;
    out[pos++] = '"';
    out[pos] = '}';
    return out;
  }

  /**
   * Verifies a signed event as a consumer receives it: the HMAC must match the received bytes without the
   * signature member. An event re-formatted on the way (whitespace, member order kept) still verifies when its
   * compact re-serialization gives back the signed bytes. An event carrying the field twice never verifies.
   *
   * @return whether the event carries exactly one valid signature
   */
  public boolean verify(byte[] eventJson) {
    List<TopLevelMembers.Member> members = TopLevelMembers.members(eventJson);
    if (members == null) {
      return false;
    }
    TopLevelMembers.Member signature = null;
    for (TopLevelMembers.Member m : members) {
      if (m.key().equals(field)) {
        if (signature != null) {
          return false;
        }
        signature = m;
      }
    }
    if (signature == null || eventJson[signature.valueStart()] != '"') {
      return false;
    }
    byte[] claimed = TopLevelMembers.stringAt(eventJson, signature.valueStart()).toLowerCase(Locale.ROOT)
        .getBytes(StandardCharsets.UTF_8);
    byte[] unsigned = TopLevelMembers.without(eventJson, members, field);
    if (matches(unsigned, claimed)) {
      return true;
    }
    for (ObjectMapper reader : READERS) { // re-formatted text: its compact form, numbers read two ways
      try {
        if (matches(reader.writeValueAsBytes(reader.readTree(unsigned)), claimed)) {
          return true;
        }
      } catch (IOException | RuntimeException e) {
        // not this way
      }
    }
    return false;
  }

  /** {@link #verify(byte[])} of the text's UTF-8 bytes. */
  public boolean verify(String eventJson) {
    return verify(eventJson.getBytes(StandardCharsets.UTF_8));
  }

  private boolean matches(byte[] unsigned, byte[] claimed) {
    return MessageDigest.isEqual(sign(unsigned).getBytes(StandardCharsets.US_ASCII), claimed);
  }

  @Override
  public String toString() {
    return "EventSignatures{" + algorithm + ", field=" + field + "}"; // never the secret
  }
}
