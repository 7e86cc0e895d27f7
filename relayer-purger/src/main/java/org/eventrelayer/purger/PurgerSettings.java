package org.eventrelayer.purger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eventrelayer.ConfigException;
import org.eventrelayer.spi.Config;

/**
 * The purger's keys (flat, dot-joined, as in the properties form), read and checked when the purger is built.
 * {@code eventServices.*} is handed as is to the purger's own {@link org.eventrelayer.EventRelayerGroup}, which
 * checks it; every other key is the purger's own, and an unknown one is an error naming it.
 */
final class PurgerSettings {

  static final Duration DEFAULT_MAX_AGE = Duration.ofHours(1);
  static final Duration DEFAULT_COALESCE_WINDOW = Duration.ofMillis(100);
  /** Wikimedia's purged sends to the frontends one second after the backends. */
  static final Duration DEFAULT_STAGE_DELAY = Duration.ofSeconds(1);
  static final int DEFAULT_MAX_PENDING = 100_000;
  static final String DEFAULT_GROUP_ID = "eventrelayer-purger";
  private static final String KAFKA = "kafka.";
  private static final String SERVICES = "eventServices.";

  final List<String> topics;
  final Map<String, Object> consumer;
  final Duration maxAge;
  final Duration coalesceWindow;
  final int maxPending;
  final List<String> stages;
  final Duration stageDelay;
  final String deadLetterTopic; // null: dead letters are logged and counted only
  final Duration closeTimeout;
  final Map<String, Object> eventServices; // flat, relative to eventServices.

  private PurgerSettings(List<String> topics, Map<String, Object> consumer, Duration maxAge, Duration coalesceWindow,
      int maxPending, List<String> stages, Duration stageDelay, String deadLetterTopic, Duration closeTimeout,
      Map<String, Object> eventServices) {
    this.topics = List.copyOf(topics);
    this.consumer = Map.copyOf(consumer);
    this.maxAge = maxAge;
    this.coalesceWindow = coalesceWindow;
    this.maxPending = maxPending;
    this.stages = List.copyOf(stages);
    this.stageDelay = stageDelay;
    this.deadLetterTopic = deadLetterTopic;
    this.closeTimeout = closeTimeout;
    this.eventServices = eventServices;
  }

  /** From a nested map (YAML-like); nested maps are joined with dots. */
  static PurgerSettings fromMap(Map<String, ?> config) {
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", config, flat);
    return from(flat);
  }

  /** From properties: every key flat, lists comma-separated. */
  static PurgerSettings fromProperties(Properties properties) {
    Map<String, Object> flat = new LinkedHashMap<>();
    for (String key : properties.stringPropertyNames()) {
      flat.put(key.trim(), properties.getProperty(key));
    }
    return from(flat);
  }

  private static PurgerSettings from(Map<String, Object> flat) {
    Map<String, Object> own = new LinkedHashMap<>();
    Map<String, Object> services = new LinkedHashMap<>();
    Map<String, Object> kafka = new HashMap<>();
    for (Map.Entry<String, Object> e : flat.entrySet()) {
      if (e.getKey().startsWith(SERVICES)) {
        services.put(e.getKey().substring(SERVICES.length()), e.getValue());
      } else if (e.getKey().startsWith(KAFKA)) {
        kafka.put(e.getKey().substring(KAFKA.length()), e.getValue());
      } else {
        own.put(e.getKey(), e.getValue());
      }
    }
    Config c = Config.of("purger", own);
    List<String> topics = c.getList("topics");
    if (topics.isEmpty()) {
      throw c.error("topics", "is required: the Kafka topics carrying resource_change purge events");
    }
    Duration maxAge = c.getDuration("maxAge", DEFAULT_MAX_AGE, Duration.ofSeconds(1), Duration.ofDays(365));
    Duration window = c.getDuration("coalesceWindow", DEFAULT_COALESCE_WINDOW, Duration.ZERO, Duration.ofSeconds(60));
    int maxPending = c.getInt("maxPending", DEFAULT_MAX_PENDING, 1, 10_000_000);
    List<String> stages = c.getList("stages");
    if (stages.isEmpty()) {
      throw c.error("stages", "is required: the event services to purge through, in order (e.g. "
          + "varnish-backends,varnish-frontends), each configured under eventServices");
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String s : stages) {
      if (!seen.add(s)) {
        throw c.error("stages", "names '" + s + "' twice");
      }
      boolean configured = services.keySet().stream().anyMatch(k -> k.startsWith(s + "."));
      if (!configured) {
        throw c.error("stages", "names '" + s + "', which is not configured under eventServices");
      }
    }
    Duration stageDelay = c.getDuration("stageDelay", DEFAULT_STAGE_DELAY, Duration.ZERO, Duration.ofMinutes(10));
    String deadLetterTopic = c.getString("deadLetterTopic", null);
    Duration closeTimeout = c.getDuration("closeTimeout", Duration.ofSeconds(10), Duration.ZERO, Duration.ofHours(1));
    Set<String> unused = c.unusedKeys();
    if (!unused.isEmpty()) {
      String key = unused.iterator().next();
      throw new ConfigException(key, "is not a purger key (topics, kafka.*, maxAge, coalesceWindow, maxPending, "
          + "stages, stageDelay, deadLetterTopic, closeTimeout, eventServices.*)");
    }
    return new PurgerSettings(topics, consumerConfig(kafka), maxAge, window, maxPending, stages, stageDelay,
        deadLetterTopic, closeTimeout, services);
  }

  private static Map<String, Object> consumerConfig(Map<String, Object> kafka) {
    Map<String, Object> out = new HashMap<>(kafka);
    if (!out.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      throw new ConfigException("kafka.bootstrap.servers", "is required: the brokers holding the purge topics");
    }
    Object autoCommit = out.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
    if (autoCommit != null && Boolean.parseBoolean(autoCommit.toString().trim())) {
      throw new ConfigException("kafka.enable.auto.commit", "must be false: the purger commits an offset only "
          + "once every purge before it is final");
    }
    for (String k : List.of(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG)) {
      if (out.containsKey(k)) {
        throw new ConfigException("kafka." + k, "is set by the purger (it reads raw bytes)");
      }
    }
    out.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    out.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    out.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    out.putIfAbsent(ConsumerConfig.GROUP_ID_CONFIG, DEFAULT_GROUP_ID);
    // A new group starts at the oldest retained purge: maxAge drops what is too old, nothing is skipped.
    out.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try {
      ConsumerConfig.configDef().parse(new HashMap<>(out)); // kafka-clients' own checks, with its messages
    } catch (org.apache.kafka.common.config.ConfigException e) {
      throw new ConfigException("kafka", "has an invalid consumer setting: " + e.getMessage(), e);
    }
    return out;
  }

  /** The group config for the stages: the services as given, one cdn-purge relayer per stage. */
  Map<String, Object> groupConfig() {
    Map<String, Object> flat = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : eventServices.entrySet()) {
      flat.put(SERVICES + e.getKey(), e.getValue());
    }
    for (String stage : stages) {
      flat.put("relayers." + channel(stage) + ".type", "cdn-purge");
      flat.put("relayers." + channel(stage) + ".stream", stream(stage));
      flat.put("streams." + stream(stage) + ".service", stage);
    }
    flat.put("relayers.default.type", "none");
    flat.put("closeTimeout", closeTimeout.toMillis() + "ms");
    return flat;
  }

  /** The relayer channel of a stage. */
  static String channel(String stage) {
    return "purger-" + stage;
  }

  /** The stream a stage's events carry ({@code meta.stream}; the topic, when a stage is a Kafka service). */
  static String stream(String stage) {
    return "resource-purge." + stage;
  }

  private static void flatten(String prefix, Map<String, ?> map, Map<String, Object> out) {
    for (Map.Entry<String, ?> e : map.entrySet()) {
      String key = prefix.isEmpty() ? e.getKey().trim() : prefix + "." + e.getKey().trim();
      if (e.getValue() instanceof Map<?, ?> m) {
        Map<String, Object> nested = new LinkedHashMap<>();
        m.forEach((k, v) -> nested.put(String.valueOf(k), v));
        flatten(key, nested, out);
      } else if (e.getValue() instanceof List<?> l) {
        out.put(key, new ArrayList<>(l));
      } else {
        out.put(key, e.getValue());
      }
    }
  }
}
