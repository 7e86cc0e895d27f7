package org.eventrelayer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.eventrelayer.internal.StreamRelayerProvider;
import org.eventrelayer.internal.WorkspaceEventRelayerProvider;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.RelayerContext;
import org.eventrelayer.spi.RelayerProvider;
import org.eventrelayer.spi.ServiceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a group's config (map or properties, which it first flattens to the same dot-joined keys) and builds its
 * event services and relayers. Every mistake is a {@link ConfigException} naming the key; whatever was started
 * before a mistake is found is closed again.
 */
final class GroupAssembler {

  private static final Logger log = LoggerFactory.getLogger(EventRelayerGroup.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern LISTENER_CLASS = Pattern.compile("listener-(.+)-class");
  private static final Pattern LISTENER_CONFIG = Pattern.compile("listener-(.+?)-config-(.+)");
  static final String DEFAULT = "default";
  static final String LISTENER_SERVICE_PREFIX = "listener-";
  /** KBase's own Kafka listener class: a {@code kafka} service, KBase's topic rule, workspace events. */
  static final String KBASE_KAFKA_FACTORY = "us.kbase.workspace.modules.KafkaNotifierFactory";

  private final boolean strict;
  private final Providers providers;

  // Parsed sections: entry name -> (rest of key -> value).
  private final Map<String, Map<String, Object>> relayerEntries = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> serviceEntries = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> streamEntries = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> listenerConfigs = new LinkedHashMap<>();
  private final Map<String, String> listenerClasses = new LinkedHashMap<>();
  private final Map<String, Object> topLevel = new LinkedHashMap<>();

  // Built.
  final Map<String, EventService> services = new LinkedHashMap<>();
  final Map<String, EventRelayer> relayers = new LinkedHashMap<>();
  Duration closeTimeout;

  private GroupAssembler(boolean strict, ClassLoader loader) {
    this.strict = strict;
    this.providers = new Providers(loader);
  }

  static GroupAssembler fromMap(Map<String, ?> config) {
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", config, flat);
    return build(flat, true);
  }

  static GroupAssembler fromProperties(Properties properties) {
    Map<String, Object> flat = new TreeMap<>();
    for (String key : properties.stringPropertyNames()) {
      flat.put(key.trim(), properties.getProperty(key));
    }
    return build(flat, false);
  }

  private static GroupAssembler build(Map<String, Object> flat, boolean strict) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    GroupAssembler a = new GroupAssembler(strict, loader != null ? loader : GroupAssembler.class.getClassLoader());
    try {
      a.split(flat);
      a.assemble();
      return a;
    } catch (RuntimeException e) {
      a.closeQuietly();
      throw e;
    }
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String k) || k.isBlank()) {
        throw new ConfigException(prefix.isEmpty() ? "(root)" : prefix, "keys must be non-blank strings");
      }
      String key = prefix.isEmpty() ? k.trim() : prefix + "." + k.trim();
      if (e.getValue() instanceof Map<?, ?> nested) {
        if (nested.isEmpty()) {
          out.put(key, null);
        }
        flatten(key, nested, out);
      } else {
        out.put(key, e.getValue());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private void split(Map<String, Object> flat) {
    for (Map.Entry<String, Object> e : flat.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (key.startsWith("relayers.")) {
        entry(relayerEntries, "relayers", key, value);
      } else if (key.startsWith("eventServices.")) {
        entry(serviceEntries, "eventServices", key, value);
      } else if (key.startsWith("streams.")) {
        String rest = key.substring("streams.".length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0 || dot == rest.length() - 1) {
          throw new ConfigException(key, "expected streams.<stream>.<key>, e.g. streams.resource-purge.service");
        }
        streamEntries.computeIfAbsent(rest.substring(0, dot), s -> new LinkedHashMap<>())
            .put(rest.substring(dot + 1), value);
      } else if (LISTENER_CLASS.matcher(key).matches() && !key.contains("-config-")) {
        var m = LISTENER_CLASS.matcher(key);
        m.matches();
        listenerClasses.put(m.group(1), value == null ? null : value.toString().trim());
      } else if (LISTENER_CONFIG.matcher(key).matches()) {
        var m = LISTENER_CONFIG.matcher(key);
        m.matches();
        listenerConfigs.computeIfAbsent(m.group(1), s -> new LinkedHashMap<>()).put(m.group(2), value);
      } else if (key.equals("eventServiceDefault") || key.equals("closeTimeout") || key.equals("listeners")
          || key.equals("listeners.channel") || key.equals("listeners.stream") || key.equals("listeners.type")) {
        topLevel.put(key, value);
      } else if (strict) {
        throw new ConfigException(key, "unknown key; a group config has relayers, eventServices, "
            + "eventServiceDefault, streams, closeTimeout, and KBase-style listeners / listener-NAME-*");
      } else {
        log.debug("eventrelayer: ignoring property '{}' (not a relayer setting)", key);
      }
    }
  }

  private static void entry(Map<String, Map<String, Object>> section, String sectionName, String key, Object value) {
    String rest = key.substring(sectionName.length() + 1);
    int dot = rest.indexOf('.');
    String name = dot < 0 ? rest : rest.substring(0, dot);
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException(key, "entry names may only hold letters, digits, '-' and '_'");
    }
    Map<String, Object> entry = section.computeIfAbsent(name, n -> new LinkedHashMap<>());
    if (dot > 0) {
      entry.put(rest.substring(dot + 1), value);
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private void assemble() {
    Config group = Config.of("", topLevel);
    checkListenerNames(group);
    closeTimeout = group.getDuration("closeTimeout", Duration.ofSeconds(10), Duration.ZERO, Duration.ofHours(1));

    // Routes: stream -> service name. Checked before any service starts.
    Map<String, String> routes = new LinkedHashMap<>();
    Map<String, Map<String, Config>> streamsByService = new LinkedHashMap<>();
    String defaultService = group.getString("eventServiceDefault", null);
    if (defaultService != null && !serviceEntries.containsKey(defaultService)) {
      throw group.error("eventServiceDefault", "no event service named '" + defaultService + "'"
          + configured(serviceEntries.keySet()));
    }
    if (defaultService == null && serviceEntries.size() == 1) {
      defaultService = serviceEntries.keySet().iterator().next();
    }
    for (Map.Entry<String, Map<String, Object>> s : streamEntries.entrySet()) {
      Config sc = Config.of("streams." + s.getKey(), s.getValue());
      String service = sc.getString("service", defaultService);
      if (service == null) {
        throw sc.error("service", "is required: no eventServiceDefault is set and "
            + (serviceEntries.isEmpty() ? "no eventServices are configured" : "there are several eventServices"));
      }
      if (!serviceEntries.containsKey(service)) {
        throw sc.error("service", "no event service named '" + service + "'" + configured(serviceEntries.keySet()));
      }
      routes.put(s.getKey(), service);
      Map<String, Object> rest = new LinkedHashMap<>(s.getValue());
      rest.remove("service");
      streamsByService.computeIfAbsent(service, n -> new LinkedHashMap<>())
          .put(s.getKey(), Config.of("streams." + s.getKey(), rest));
    }

    for (Map.Entry<String, Map<String, Object>> s : serviceEntries.entrySet()) {
      Config c = Config.of("eventServices." + s.getKey(), s.getValue());
      Map<String, Config> streams = streamsByService.getOrDefault(s.getKey(), Map.of());
      services.put(s.getKey(), createService(s.getKey(), c, streams));
      for (Config sc : streams.values()) {
        rejectUnused(sc);
      }
    }

    for (Map.Entry<String, Map<String, Object>> r : relayerEntries.entrySet()) {
      String name = r.getKey();
      Config c = Config.of("relayers." + name, r.getValue());
      RelayerProvider provider = relayerProvider(c);
      final String fallback = defaultService;
      RelayerContext ctx = new RelayerContext() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public Config config() {
          return c;
        }

        @Override
        public boolean isDefault() {
          return DEFAULT.equals(name);
        }

        @Override
        public EventService serviceFor(String stream, String configKey) {
          return route(c, configKey, stream, routes.getOrDefault(stream, fallback));
        }
      };
      relayers.put(name, provider.create(ctx));
      rejectUnused(c);
    }

    assembleListeners(group);

    if (!relayers.containsKey(DEFAULT)) {
      RelayerProvider nullProvider = providers.nullRelayer();
      if (nullProvider == null) {
        throw new ConfigException("relayers.default", "no default relayer is configured and the null relayer is "
            + "not on the class path: configure relayers.default or add org.eventrelayer:relayer-null");
      }
      relayers.put(DEFAULT, nullProvider.create(simpleContext(DEFAULT, Config.of("relayers.default", Map.of()))));
      implicitNullDefault = true;
    }
  }

  boolean implicitNullDefault;

  private EventService route(Config c, String configKey, String stream, String serviceName) {
    if (serviceName == null) {
      throw c.error(configKey, "stream '" + stream + "' has no event service: "
          + (services.isEmpty() ? "configure eventServices" : "set streams." + stream + ".service or "
          + "eventServiceDefault (there are several eventServices" + configured(services.keySet()) + ")"));
    }
    EventService service = services.get(serviceName);
    try {
      service.checkStream(stream);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(c.fullKey(configKey),
          "event service '" + serviceName + "' cannot carry stream '" + stream + "': " + e.getMessage(), e);
    }
    return service;
  }

  /**
   * A listener {@code K} runs as event service {@code listener-K}: an {@code eventServices.listener-K} entry
   * would be replaced by it and keep running unowned, so the clash fails the build before anything starts.
   */
  private void checkListenerNames(Config group) {
    for (String name : group.getList("listeners")) {
      String serviceName = LISTENER_SERVICE_PREFIX + name;
      if (serviceEntries.containsKey(serviceName)) {
        throw new ConfigException("listener-" + name + "-class", "listener '" + name + "' runs as event service '"
            + serviceName + "', which clashes with the entry eventServices." + serviceName
            + "; rename that entry or the listener");
      }
    }
  }

  private EventService createService(String name, Config c, Map<String, Config> streams) {
    if (services.containsKey(name)) { // checked above; never let a second service replace a running one
      throw new ConfigException(c.path(), "a second event service named '" + name + "'");
    }
    String typeKey = c.has("class") ? "class" : "type";
    EventServiceProvider provider = providers.service(c, typeKey, c.requireString(typeKey));
    c.markUsed("type");
    c.markUsed("class");
    EventService service = provider.create(new ServiceContext() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Config config() {
        return c;
      }

      @Override
      public Map<String, Config> streams() {
        return streams;
      }
    });
    services.put(name, service); // so that a failure below still closes it
    rejectUnused(c);
    return service;
  }

  private RelayerProvider relayerProvider(Config c) {
    String typeKey = c.has("class") ? "class" : "type";
    c.markUsed("type");
    c.markUsed("class");
    if (!c.has(typeKey)) {
      if (c.keys().contains("type")) {
        return providers.relayer(c, "type", "null"); // YAML reads a bare `type: null` as no value at all
      }
      throw c.error("type", "is required (e.g. cdn-purge, stream, null)");
    }
    return providers.relayer(c, typeKey, c.getString(typeKey).orElseThrow());
  }

  private void assembleListeners(Config group) {
    List<String> active = group.getList("listeners");
    String channel = group.getString("listeners.channel", DEFAULT);
    String stream = group.getString("listeners.stream", "workspace-events");
    Set<String> declared = new java.util.TreeSet<>(listenerClasses.keySet());
    declared.addAll(listenerConfigs.keySet());
    for (String name : declared) {
      if (!active.contains(name)) {
        log.info("eventrelayer: listener '{}' is configured but not listed in 'listeners': it is off", name);
      }
    }
    if (active.isEmpty()) {
      return;
    }
    if (relayers.containsKey(channel)) {
      throw group.error("listeners.channel", "channel '" + channel + "' already has an entry under relayers; "
          + "set listeners.channel to another channel");
    }
    boolean kbaseKafka = active.stream().anyMatch(n -> KBASE_KAFKA_FACTORY.equals(listenerClasses.get(n)));
    String relayerType = group.getString("listeners.type",
        kbaseKafka ? WorkspaceEventRelayerProvider.NAME : "stream");
    if (!relayerType.equals("stream") && !relayerType.equals(WorkspaceEventRelayerProvider.NAME)) {
      throw group.error("listeners.type", "must be stream (events as given) or workspace-event (KBase workspace "
          + "events, checked per event type), got '" + relayerType + "'");
    }
    List<EventService> targets = new ArrayList<>();
    for (String name : active) {
      String classKey = "listener-" + name + "-class";
      String type = listenerClasses.get(name);
      if (type == null || type.isBlank()) {
        throw new ConfigException(classKey, "is required for listener '" + name + "' named in 'listeners'");
      }
      Map<String, Object> values = new LinkedHashMap<>(listenerConfigs.getOrDefault(name, Map.of()));
      if (type.equals(KBASE_KAFKA_FACTORY)) { // KBase's deploy.cfg as written: its rules come with it
        type = "kafka";
        values.putIfAbsent("topicStrict", "true");
      }
      if (providers.isService(type)) {
        String serviceName = LISTENER_SERVICE_PREFIX + name;
        values.put("type", type);
        Config sc = Config.of("listener-" + name + "-config", "-", values);
        createService(serviceName, sc, Map.of());
        targets.add(route(Config.of("", Map.of()), classKey, stream, serviceName));
      } else {
        RelayerProvider p = providers.relayer(Config.of("", Map.of()), classKey, type);
        if (!"null".equals(p.name())) {
          throw new ConfigException(classKey, "listener class must be an event service type (http, kafka, ...) "
              + "or null; '" + type + "' is a relayer of type " + p.name());
        }
        rejectUnused(Config.of("listener-" + name + "-config", "-", listenerConfigs.getOrDefault(name, Map.of())));
        log.info("eventrelayer: listener '{}' is the null listener: its events are discarded", name);
      }
    }
    if (targets.isEmpty()) {
      relayers.put(channel, providers.nullRelayer().create(simpleContext(channel, Config.of("listeners", Map.of()))));
    } else if (relayerType.equals("stream")) {
      relayers.put(channel, StreamRelayerProvider.fanOut(channel, stream, targets));
    } else {
      relayers.put(channel, WorkspaceEventRelayerProvider.fanOut(channel, stream, targets));
    }
  }

  private RelayerContext simpleContext(String name, Config c) {
    return new RelayerContext() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Config config() {
        return c;
      }

      @Override
      public boolean isDefault() {
        return DEFAULT.equals(name);
      }

      @Override
      public EventService serviceFor(String stream, String configKey) {
        throw c.error(configKey, "this relayer has no event service");
      }
    };
  }

  private static void rejectUnused(Config c) {
    Set<String> unused = c.unusedKeys();
    if (!unused.isEmpty()) {
      String first = unused.iterator().next();
      throw c.error(first, "unknown key" + (unused.size() > 1 ? " (also unknown: " + unused + ")" : "")
          + "; check its spelling against the README's config reference");
    }
  }

  private static String configured(Collection<String> names) {
    return names.isEmpty() ? " (none are configured)" : " (configured: " + String.join(", ", names) + ")";
  }

  void closeQuietly() {
    for (EventRelayer r : relayers.values()) {
      try {
        r.close();
      } catch (RuntimeException e) {
        log.warn("eventrelayer: error closing relayer: {}", e.toString());
      }
    }
    for (EventService s : services.values()) {
      try {
        s.close(Duration.ofSeconds(1));
      } catch (RuntimeException e) {
        log.warn("eventrelayer: error closing event service '{}': {}", s.name(), e.toString());
      }
    }
  }
}
