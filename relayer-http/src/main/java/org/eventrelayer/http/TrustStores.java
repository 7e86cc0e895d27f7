package org.eventrelayer.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.eventrelayer.spi.Config;

/**
 * Loads the optional custom trust store of an HTTPS event service ({@code trustStore}, {@code trustStorePassword},
 * {@code trustStoreType}). When set, only the certificates in that store are trusted; otherwise the JVM's default
 * trust applies. Errors name the key and never show the password.
 */
final class TrustStores {

  static final List<String> TYPES = List.of("pkcs12", "jks", "pem");

  /** An SSL socket factory and the trust manager it was built from, as OkHttp wants them. */
  record Trust(SSLSocketFactory socketFactory, X509TrustManager trustManager) {}

  private TrustStores() {}

  /**
   * Reads the trust-store keys of {@code config}.
   *
   * @param https whether the service's URL is https (a trust store on a plain-http URL is a mistake)
   * @return the custom trust, or {@code null} for the JVM's default trust
   */
  static Trust fromConfig(Config config, boolean https) {
    Optional<String> file = config.getString("trustStore");
    Object rawPassword = config.raw("trustStorePassword"); // not trimmed: spaces may be part of a password
    char[] password = rawPassword == null || rawPassword.toString().isEmpty()
        ? null : rawPassword.toString().toCharArray();
    Optional<String> typeKey = config.getString("trustStoreType");
    if (file.isEmpty()) {
      if (password != null) {
        throw config.error("trustStorePassword", "is set but trustStore is not");
      }
      if (typeKey.isPresent()) {
        throw config.error("trustStoreType", "is set but trustStore is not");
      }
      return null;
    }
    if (!https) {
      throw config.error("trustStore", "is set but url is not https://; use an https:// url or remove trustStore");
    }
    Path path;
    try {
      path = Path.of(file.get());
    } catch (InvalidPathException e) {
      throw config.error("trustStore", "is not a valid file path: " + e.getReason());
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw config.error("trustStore", "no readable file at " + path.toAbsolutePath());
    }
    String type = config.getChoice("trustStoreType", defaultType(path), TYPES);
    KeyStore store = type.equals("pem") ? loadPem(config, path) : loadKeyStore(config, path, type, password);
    try {
      if (!hasCertificate(store)) {
        throw config.error("trustStore", "contains no trusted certificate: " + path.toAbsolutePath());
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      X509TrustManager tm = null;
      for (TrustManager m : tmf.getTrustManagers()) {
        if (m instanceof X509TrustManager x) {
          tm = x;
          break;
        }
      }
      if (tm == null) {
        throw config.error("trustStore", "yields no X.509 trust manager");
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {tm}, null);
      return new Trust(context.getSocketFactory(), tm);
    } catch (GeneralSecurityException e) {
      throw config.error("trustStore", "cannot be used for TLS: " + e.getClass().getSimpleName());
    }
  }

  /** {@code pem} for .pem/.crt/.cer files, {@code jks} for .jks, else {@code pkcs12}. */
  static String defaultType(Path path) {
    String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".pem") || name.endsWith(".crt") || name.endsWith(".cer")) {
      return "pem";
    }
    return name.endsWith(".jks") ? "jks" : "pkcs12";
  }

  private static KeyStore loadPem(Config config, Path path) {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(path)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException | GeneralSecurityException e) {
      throw config.error("trustStore", "is not a PEM file of X.509 certificates: " + e.getClass().getSimpleName());
    }
    if (certs.isEmpty()) {
      throw config.error("trustStore", "contains no certificate: " + path.toAbsolutePath());
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw config.error("trustStore", "cannot be loaded: " + e.getClass().getSimpleName());
    }
  }

  private static KeyStore loadKeyStore(Config config, Path path, String type, char[] password) {
    KeyStore store;
    try {
      store = KeyStore.getInstance(type.toUpperCase(Locale.ROOT));
    } catch (KeyStoreException e) {
      throw config.error("trustStoreType", "is not supported by this JVM: " + type);
    }
    try (InputStream in = Files.newInputStream(path)) {
      store.load(in, password);
      return store;
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException || isPasswordProblem(e)) {
        throw config.error("trustStorePassword", "does not open " + path.toAbsolutePath()
            + " (wrong or missing password)");
      }
      throw config.error("trustStore", "cannot be read as " + type + ": " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
    } catch (GeneralSecurityException e) {
      throw config.error("trustStore", "cannot be read as " + type + ": " + e.getClass().getSimpleName());
    }
  }

  private static boolean isPasswordProblem(IOException e) {
    String m = e.getMessage();
    return m != null && m.toLowerCase(Locale.ROOT).contains("password");
  }

  private static boolean hasCertificate(KeyStore store) throws KeyStoreException {
    for (String alias : Collections.list(store.aliases())) {
      if (store.isCertificateEntry(alias) || store.getCertificate(alias) != null) {
        return true;
      }
    }
    return false;
  }
}
