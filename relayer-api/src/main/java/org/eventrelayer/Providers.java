package org.eventrelayer;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.RelayerProvider;

/**
 * The relayer and event-service providers found by {@link ServiceLoader}, by lower-case name and alias, and the
 * resolution of a config entry's {@code type} or {@code class} key to one of them.
 */
final class Providers {

  /** Which artifact provides each well-known type, for the "add this module" message. */
  private static final Map<String, String> MODULES = Map.of(
      "http", "org.eventrelayer:relayer-http",
      "kafka", "org.eventrelayer:relayer-kafka",
      "null", "org.eventrelayer:relayer-null",
      "none", "org.eventrelayer:relayer-null",
      "cdn-purge", "org.eventrelayer:relayer-api",
      "stream", "org.eventrelayer:relayer-api",
      "workspace-event", "org.eventrelayer:relayer-api");

  private final Map<String, RelayerProvider> relayers = new LinkedHashMap<>();
  private final Map<String, EventServiceProvider> services = new LinkedHashMap<>();
  private final ClassLoader loader;

  Providers(ClassLoader loader) {
    this.loader = loader;
    try {
      for (RelayerProvider p : ServiceLoader.load(RelayerProvider.class, loader)) {
        relayers.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
        for (String alias : p.aliases()) {
          relayers.putIfAbsent(alias.toLowerCase(Locale.ROOT), p);
        }
      }
      for (EventServiceProvider p : ServiceLoader.load(EventServiceProvider.class, loader)) {
        services.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
        for (String alias : p.aliases()) {
          services.putIfAbsent(alias.toLowerCase(Locale.ROOT), p);
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new ConfigException("(providers)", "a provider on the class path failed to load: " + e.getMessage(), e);
    }
  }

  /** The {@code null} relayer provider, or {@code null} when relayer-null is not on the class path. */
  RelayerProvider nullRelayer() {
    return relayers.get("null");
  }

  /** Resolves a relayer entry's {@code type}/{@code class}. */
  RelayerProvider relayer(Config c, String typeKey, String typeValue) {
    return resolve(c, typeKey, typeValue, relayers, RelayerProvider.class, "relayer");
  }

  /** Resolves an event-service entry's {@code type}/{@code class}. */
  EventServiceProvider service(Config c, String typeKey, String typeValue) {
    return resolve(c, typeKey, typeValue, services, EventServiceProvider.class, "event service");
  }

  /** Whether {@code typeValue} names an event-service provider (by name, alias or class). */
  boolean isService(String typeValue) {
    if (services.containsKey(typeValue.toLowerCase(Locale.ROOT))) {
      return true;
    }
    return services.values().stream().anyMatch(p -> p.getClass().getName().equals(typeValue))
        || implementsType(typeValue, EventServiceProvider.class);
  }

  private <P> P resolve(Config c, String typeKey, String value, Map<String, P> byName, Class<P> kind, String what) {
    P p = byName.get(value.toLowerCase(Locale.ROOT));
    if (p != null) {
      return p;
    }
    if (value.contains(".") || value.contains("\\")) {
      for (P known : byName.values()) {
        if (known.getClass().getName().equals(value)) {
          return known;
        }
      }
      Class<?> cls = load(value);
      if (cls != null) {
        if (!kind.isAssignableFrom(cls)) {
          throw c.error(typeKey, value + " is not a " + kind.getName());
        }
        try {
          return kind.cast(cls.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
          throw new ConfigException(c.fullKey(typeKey), "cannot instantiate " + value + ": " + e, e);
        }
      }
      // MediaWiki-style class names such as \MediaWiki\...\CdnPurgeEventRelayer or EventRelayerNull.
      String simple = value.substring(Math.max(value.lastIndexOf('.'), value.lastIndexOf('\\')) + 1);
      p = byName.get(simple.toLowerCase(Locale.ROOT));
      if (p != null) {
        return p;
      }
    }
    String module = MODULES.get(value.toLowerCase(Locale.ROOT));
    String hint = module != null
        ? "; add the module that provides it (" + module + ") to the class path"
        : "; known " + what + " types: " + new TreeSet<>(byName.keySet())
            + " (http: org.eventrelayer:relayer-http, kafka: org.eventrelayer:relayer-kafka, "
            + "null: org.eventrelayer:relayer-null)";
    throw c.error(typeKey, "unknown " + what + " type '" + value + "'" + hint);
  }

  private boolean implementsType(String className, Class<?> kind) {
    Class<?> cls = className.contains(".") ? load(className) : null;
    return cls != null && kind.isAssignableFrom(cls);
  }

  private Class<?> load(String className) {
    try {
      return Class.forName(className, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }
}
