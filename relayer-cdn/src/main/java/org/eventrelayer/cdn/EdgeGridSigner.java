package org.eventrelayer.cdn;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import okhttp3.HttpUrl;

/**
 * Akamai EdgeGrid request signing ({@code EG1-HMAC-SHA256}): the signing key is the HMAC-SHA256 of the timestamp
 * under the client secret; the signature is the HMAC-SHA256, under that key, of the tab-joined method, scheme,
 * host, path and query, signed headers (none), the SHA-256 of the body (POST, at most 131,072 bytes) and the
 * authorization header's own fields. The secrets never leave this class.
 */
final class EdgeGridSigner {

  static final int MAX_SIGNED_BODY = 131_072;
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HH:mm:ss'+0000'").withZone(ZoneOffset.UTC);

  private final String clientToken;
  private final String accessToken;
  private final byte[] clientSecret;

  EdgeGridSigner(String clientToken, String accessToken, String clientSecret) {
    this.clientToken = clientToken;
    this.accessToken = accessToken;
    this.clientSecret = clientSecret.getBytes(StandardCharsets.UTF_8);
  }

  /** The {@code Authorization} header for a request made now with a fresh nonce. */
  String authorization(String method, HttpUrl url, byte[] body) {
    return authorization(method, url, body, Instant.now(), UUID.randomUUID().toString());
  }

  /** The {@code Authorization} header for a request at {@code now} with {@code nonce}. */
  String authorization(String method, HttpUrl url, byte[] body, Instant now, String nonce) {
    String timestamp = TIMESTAMP.format(now);
    String fields = "EG1-HMAC-SHA256 client_token=" + clientToken + ";access_token=" + accessToken
        + ";timestamp=" + timestamp + ";nonce=" + nonce + ";";
    String signingKey = base64Hmac(clientSecret, timestamp);
    String host = url.host() + (url.port() == HttpUrl.defaultPort(url.scheme()) ? "" : ":" + url.port());
    String target = url.encodedPath() + (url.encodedQuery() == null ? "" : "?" + url.encodedQuery());
    String contentHash = method.equals("POST") && body != null && body.length > 0 ? sha256(body) : "";
    String data = String.join("\t", method, url.scheme(), host, target, "", contentHash, fields);
    return fields + "signature=" + base64Hmac(signingKey.getBytes(StandardCharsets.UTF_8), data);
  }

  private static String base64Hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  private static String sha256(byte[] body) {
    try {
      byte[] signed = body.length > MAX_SIGNED_BODY ? Arrays.copyOf(body, MAX_SIGNED_BODY) : body;
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(signed));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }
}
