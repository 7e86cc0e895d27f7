package org.eventrelayer.cli.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS trust of an HTTPS service's probe, read from the same keys as the HTTP transport: {@code trustStore}
 * (a PEM bundle, PKCS12 or JKS file), {@code trustStoreType} (else from the file name: {@code .p12}/{@code .pfx},
 * {@code .jks}, anything else PEM) and {@code trustStorePassword}. When set, only those certificates are trusted.
 */
final class ProbeTrust {

  private ProbeTrust() {}

  /** The SSL context trusting the service's {@code trustStore}; the caller checked that it is set. */
  static SSLContext sslContext(Map<String, String> settings) throws IOException, GeneralSecurityException {
    Path path = Path.of(settings.get("trustStore"));
    String type = settings.getOrDefault("trustStoreType", typeOf(path)).toLowerCase(Locale.ROOT);
    String password = settings.get("trustStorePassword");
    KeyStore store;
    try (InputStream in = Files.newInputStream(path)) {
      if (type.equals("pem")) {
        store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("trusted-" + i++, c);
        }
      } else {
        store = KeyStore.getInstance(type.toUpperCase(Locale.ROOT));
        store.load(in, password == null || password.isEmpty() ? null : password.toCharArray());
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static String typeOf(Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".p12") || name.endsWith(".pfx")) {
      return "pkcs12";
    }
    return name.endsWith(".jks") ? "jks" : "pem";
  }
}
