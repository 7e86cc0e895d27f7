package org.eventrelayer.cli.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.eventrelayer.http.HttpEventServiceProvider;
import org.eventrelayer.spi.Config;
import org.eventrelayer.kafka.KafkaEventServiceProvider;

/**
 * One event service of a config, as {@code check} probes it: its name, type and settings (keys relative to the
 * service), read from {@code eventServices.<name>.*} and from KBase-style {@code listeners} whose class is a
 * service type.
 *
 * @param name the service's name ({@code listener-NAME} for a KBase listener, as the group names it)
 * @param type its {@code type} or {@code class} value
 * @param settings its keys without the prefix, e.g. {@code url}, {@code headers.Authorization}
 */
public record ServiceTarget(String name, String type, Map<String, String> settings) {

  private static final String SERVICES = "eventServices.";

  /** The services of a config, in key order. */
  public static List<ServiceTarget> from(Properties props) {
    Map<String, Map<String, String>> byName = new TreeMap<>();
    for (String key : props.stringPropertyNames()) {
      String k = key.trim();
      if (k.startsWith(SERVICES)) {
        String rest = k.substring(SERVICES.length());
        int dot = rest.indexOf('.');
        if (dot > 0) {
          byName.computeIfAbsent(rest.substring(0, dot), n -> new LinkedHashMap<>())
              .put(rest.substring(dot + 1), value(rest.substring(dot + 1), props.getProperty(key)));
        }
      }
    }
    List<ServiceTarget> out = new ArrayList<>();
    byName.forEach((name, s) -> out.add(new ServiceTarget(name, type(s.get("type"), s.get("class")), s)));
    String listeners = props.getProperty("listeners", "");
    for (String listener : listeners.split(",")) {
      String name = listener.trim();
      String type = props.getProperty("listener-" + name + "-class");
      if (name.isEmpty() || type == null || "null".equals(type.trim())) {
        continue;
      }
      String prefix = "listener-" + name + "-config-";
      Map<String, String> s = new LinkedHashMap<>();
      for (String key : props.stringPropertyNames()) {
        if (key.trim().startsWith(prefix)) {
          String setting = key.trim().substring(prefix.length());
          s.put(setting, value(setting, props.getProperty(key)));
        }
      }
      out.add(new ServiceTarget("listener-" + name, type(type.trim(), null), s));
    }
    return out;
  }

  /** Trimmed, except secrets (as the transports read them: spaces may be part of a password). */
  private static String value(String key, String raw) {
    return Config.isSecretKey(key) ? raw : raw.trim();
  }

  /** {@code http} or {@code kafka} for those types and their providers' classes, else the value as given. */
  private static String type(String type, String className) {
    String t = type != null ? type : className == null ? "?" : className;
    if (t.equals(HttpEventServiceProvider.class.getName())) {
      return "http";
    }
    if (t.equals(KafkaEventServiceProvider.class.getName())) {
      return "kafka";
    }
    return t;
  }
}
