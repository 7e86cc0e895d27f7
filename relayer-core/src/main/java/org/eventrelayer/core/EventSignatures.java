package org.eventrelayer.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * holding the lower-case hex HMAC of the event's compact JSON without that field. HMAC-SHA256 by default;
 * {@code signing.algorithm: HmacSHA1} with {@code signing.field: mediawiki_signature} matches MediaWiki's
 * {@code mediawiki_signature}. Consumers verify with {@link #verify(String)}.
 */
public final class EventSignatures {

  /** The algorithms accepted, by their JCA names. */
  public static final List<String> ALGORITHMS = List.of("HmacSHA256", "HmacSHA1", "HmacSHA512");

  private static final ObjectMapper JSON = new ObjectMapper();
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
   * Appends the signature field to a compact JSON object that does not have it yet: the result is exactly what
   * serializing the object with the field added last would give.
   */
  byte[] signJsonObject(byte[] json) {
    if (json.length < 2 || json[0] != '{' || json[json.length - 1] != '}') {
      throw new IllegalArgumentException("not a JSON object");
    }
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
   * Verifies a signed event as a consumer receives it (any JSON formatting, the signature field anywhere).
   *
   * @return whether the event carries a valid signature
   */
  public boolean verify(String eventJson) {
    JsonNode node;
    try {
      node = JSON.readTree(eventJson);
    } catch (IOException e) {
      return false;
    }
    if (!(node instanceof ObjectNode object) || !object.path(field).isTextual()) {
      return false;
    }
    String claimed = object.get(field).asText().toLowerCase(Locale.ROOT);
    object.remove(field);
    byte[] compact;
    try {
      compact = JSON.writeValueAsBytes(object);
    } catch (IOException e) {
      return false;
    }
    return MessageDigest.isEqual(sign(compact).getBytes(StandardCharsets.US_ASCII),
        claimed.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "EventSignatures{" + algorithm + ", field=" + field + "}"; // never the secret
  }
}
