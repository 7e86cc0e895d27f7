package org.eventrelayer.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.eventrelayer.ConfigException;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.ServiceContext;

/**
 * A Kafka service's settings, read and checked at build time: where each stream goes (topic and record key), how
 * long the worker waits for acknowledgements, and the producer properties (defaults merged with every
 * pass-through key, each validated against kafka-clients' own definitions without connecting anywhere).
 */
final class KafkaSettings {

  // ---- the transport's own keys
  static final String TOPIC = "topic";
  static final String TOPIC_PREFIX = "topicPrefix";
  static final String TOPIC_STRICT = "topicStrict";
  static final String KEY = "key";
  static final String SEND_TIMEOUT = "sendTimeout";
  static final Set<String> OWN_KEYS = Set.of(TOPIC, TOPIC_PREFIX, TOPIC_STRICT, KEY, SEND_TIMEOUT);

  /** Keys the group itself reads on every entry. */
  static final Set<String> GROUP_KEYS = Set.of("type", "class");

  // ---- producer defaults (see KafkaEventServiceProvider's javadoc for the reasons)
  static final String DEFAULT_ACKS = "all";
  static final String DEFAULT_COMPRESSION = "lz4";
  static final long DEFAULT_LINGER_MS = 0;
  static final int DEFAULT_BATCH_SIZE = 64 * 1024;
  static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
  static final long DEFAULT_DELIVERY_TIMEOUT_MS = 15_000;
  static final long DEFAULT_MAX_BLOCK_MS = 3_000;
  /** The most {@code max.block.ms} may be: the worker must never sit long inside {@code send()}. */
  static final long MAX_MAX_BLOCK_MS = 10_000;
  /** Added to {@code delivery.timeout.ms} for the default {@code sendTimeout}. */
  static final Duration SEND_TIMEOUT_GRACE = Duration.ofSeconds(5);

  /** Producer properties the transport sets itself and a user may not override. */
  private static final Set<String> RESERVED = Set.of(
      ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
      ProducerConfig.TRANSACTIONAL_ID_CONFIG, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);

  private static final AtomicLong CLIENT_SEQ = new AtomicLong();

  /** Where one stream's events go. */
  record Route(String stream, String topic, KeyPath key) {}

  private final String serviceName;
  private final String path;
  private final Map<String, Object> producerProperties;
  private final List<String> secretValues;
  private final String topic;
  private final String topicKeyForErrors;
  private final String topicPrefix;
  private final boolean topicStrict;
  private final KeyPath defaultKey;
  private final Map<String, Route> explicitRoutes;
  private final Duration sendTimeout;
  private final String bootstrapServers;

  private KafkaSettings(
      String serviceName, String path, Map<String, Object> producerProperties, List<String> secretValues,
      String topic, String topicKeyForErrors, String topicPrefix, boolean topicStrict, KeyPath defaultKey,
      Map<String, Route> explicitRoutes, Duration sendTimeout, String bootstrapServers) {
    this.serviceName = serviceName;
    this.path = path;
    this.producerProperties = producerProperties;
    this.secretValues = secretValues;
    this.topic = topic;
    this.topicKeyForErrors = topicKeyForErrors;
    this.topicPrefix = topicPrefix;
    this.topicStrict = topicStrict;
    this.defaultKey = defaultKey;
    this.explicitRoutes = explicitRoutes;
    this.sendTimeout = sendTimeout;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Reads a service's config and the config of the streams routed to it.
   *
   * @throws ConfigException naming the key at fault
   */
  static KafkaSettings parse(ServiceContext context) {
    Config c = context.config();

    // Topic rules first: the prefix and topics depend on them.
    boolean strict = c.getBoolean(TOPIC_STRICT, false);
    String prefix = c.getString(TOPIC_PREFIX, "");
    if (prefix.length() >= TopicNames.MAX_LENGTH) {
      throw c.error(TOPIC_PREFIX, "'" + prefix + "' leaves no room for a topic name: Kafka allows at most "
          + TopicNames.MAX_LENGTH + " characters in all");
    }
    String prefixProblem = TopicNames.charProblem(prefix, strict);
    if (prefixProblem != null) {
      throw c.error(TOPIC_PREFIX, "'" + prefix + "' cannot start a topic name: " + prefixProblem);
    }
    String serviceTopic = c.getString(TOPIC).orElse(null);
    if (serviceTopic != null) {
      checkTopic(c, TOPIC, prefix + serviceTopic, prefix, strict);
    }
    KeyPath defaultKey = keyPath(c, KEY, KeyPath.NONE);

    Map<String, Route> routes = new HashMap<>();
    for (Map.Entry<String, Config> e : context.streams().entrySet()) {
      String stream = e.getKey();
      Config sc = e.getValue();
      String t = sc.getString(TOPIC).orElse(null);
      String fullTopic;
      if (t != null) {
        fullTopic = prefix + t;
        checkTopic(sc, TOPIC, fullTopic, prefix, strict);
      } else {
        fullTopic = prefix + (serviceTopic != null ? serviceTopic : stream);
        String problem = TopicNames.problem(fullTopic, strict);
        if (problem != null) {
          throw new ConfigException(sc.path().isEmpty() ? stream : sc.path(),
              "stream '" + stream + "' would go to topic '" + fullTopic + "', which is invalid: " + problem
                  + "; set " + sc.fullKey(TOPIC) + " to a valid topic");
        }
      }
      routes.put(stream, new Route(stream, fullTopic, keyPath(sc, KEY, defaultKey)));
    }

    // Producer properties: every key that is neither ours, the engine's nor the group's.
    ConfigDef def = ProducerConfig.configDef();
    Map<String, ConfigDef.ConfigKey> defs = def.configKeys();
    Map<String, Object> user = new LinkedHashMap<>();
    List<String> secrets = new ArrayList<>();
    for (String key : c.keys()) {
      if (OWN_KEYS.contains(key) || GROUP_KEYS.contains(key)) {
        continue;
      }
      ConfigDef.ConfigKey kdef = defs.get(key);
      if (kdef == null) {
        throw c.error(key, "is not a setting of the Kafka service nor a Kafka producer config (the service reads "
            + new TreeSet<>(OWN_KEYS) + " and passes Kafka producer configs such as bootstrap.servers, acks, "
            + "compression.type, security.protocol or sasl.mechanism through to the producer)");
      }
      if (RESERVED.contains(key)) {
        throw c.error(key, key.startsWith("transaction")
            ? "is not supported: the Kafka service uses an idempotent, non-transactional producer"
            : "is set by the Kafka service (String keys, JSON byte[] values) and cannot be changed");
      }
      String value = stringValue(c, key);
      if (value.isEmpty()) {
        continue; // blank reads as unset, as for every other key
      }
      boolean secret = Config.isSecretKey(key) || kdef.type == ConfigDef.Type.PASSWORD;
      if (secret) {
        secrets.add(value);
      }
      try {
        Object parsed = ConfigDef.parseType(key, value, kdef.type);
        if (kdef.validator != null) {
          kdef.validator.ensureValid(key, parsed);
        }
      } catch (org.apache.kafka.common.config.ConfigException ex) {
        throw c.error(key, secret
            ? "is not a valid value for this Kafka producer config (value hidden)"
            : "is not valid: " + redact(ex.getMessage(), secrets));
      }
      user.put(key, value);
    }

    Object bootstrap = user.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
    if (bootstrap == null) {
      throw c.error(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "is required");
    }
    List<String> servers = new ArrayList<>();
    for (String s : bootstrap.toString().split(",")) {
      String server = s.trim();
      if (server.isEmpty()) {
        continue;
      }
      if (Utils.getHost(server) == null || Utils.getPort(server) == null) {
        throw c.error(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            "'" + server + "' is not host:port (e.g. 127.0.0.1:9092 or kafka-1.example.org:9092)");
      }
      servers.add(server);
    }
    if (servers.isEmpty()) {
      throw c.error(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "is required");
    }
    user.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", servers));

    Map<String, Object> props = new LinkedHashMap<>();
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "eventrelayer-" + context.name() + "-" + CLIENT_SEQ.incrementAndGet());
    props.put(ProducerConfig.ACKS_CONFIG, DEFAULT_ACKS);
    boolean weakened = user.containsKey(ProducerConfig.ACKS_CONFIG) || user.containsKey(ProducerConfig.RETRIES_CONFIG)
        || user.containsKey(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
    if (!weakened) {
      // Explicit unless the user tuned a setting idempotence depends on: then kafka-clients decides (it keeps
      // idempotence on if the settings allow it, and turns it off quietly otherwise).
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    }
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, DEFAULT_COMPRESSION);
    props.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(DEFAULT_LINGER_MS));
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(DEFAULT_BATCH_SIZE));
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(DEFAULT_REQUEST_TIMEOUT_MS));
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(DEFAULT_MAX_BLOCK_MS));
    props.putAll(user);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    long maxBlock = longValue(props, ProducerConfig.MAX_BLOCK_MS_CONFIG);
    if (maxBlock > MAX_MAX_BLOCK_MS) {
      throw c.error(ProducerConfig.MAX_BLOCK_MS_CONFIG, "must be at most " + MAX_MAX_BLOCK_MS + " (ms), got "
          + maxBlock + ": send() blocks the delivery worker for up to this long when metadata is missing");
    }
    long linger = longValue(props, ProducerConfig.LINGER_MS_CONFIG);
    long request = longValue(props, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
    long delivery;
    if (user.containsKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)) {
      delivery = longValue(props, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
      if (delivery < linger + request) {
        throw c.error(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "must be at least linger.ms + request.timeout.ms ("
            + linger + " + " + request + " = " + (linger + request) + "), got " + delivery);
      }
    } else {
      delivery = Math.max(DEFAULT_DELIVERY_TIMEOUT_MS, linger + request);
      props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(delivery));
    }

    // Cross-key checks kafka-clients makes (idempotence vs acks/retries/in-flight, ...), still without connecting.
    try {
      new ProducerConfig(props);
    } catch (org.apache.kafka.common.config.ConfigException ex) {
      String msg = redact(ex.getMessage(), secrets);
      String key = blamedKey(msg, user.keySet());
      throw key != null ? c.error(key, msg) : new ConfigException(c.path(), msg);
    }

    Duration defaultSendTimeout = Duration.ofMillis(delivery).plus(SEND_TIMEOUT_GRACE);
    Duration sendTimeout = c.getDuration(SEND_TIMEOUT, defaultSendTimeout, Duration.ofMillis(1), Duration.ofHours(1));
    if (sendTimeout.toMillis() < delivery) {
      throw c.error(SEND_TIMEOUT, "must be at least delivery.timeout.ms (" + delivery + " ms), got "
          + sendTimeout.toMillis() + " ms: the producer must report every record before the worker stops waiting,"
          + " or a retry could duplicate records the producer still delivers (lower delivery.timeout.ms too)");
    }
    return new KafkaSettings(context.name(), c.path(), Map.copyOf(props), List.copyOf(secrets), serviceTopic,
        c.fullKey(TOPIC), prefix, strict, defaultKey, Map.copyOf(routes), sendTimeout, String.join(",", servers));
  }

  /**
   * Where {@code stream}'s events go.
   *
   * @throws IllegalArgumentException if its topic is not a valid topic name
   */
  Route routeFor(String stream) {
    Route r = explicitRoutes.get(stream);
    if (r != null) {
      return r;
    }
    String t = topicPrefix + (topic != null ? topic : stream);
    String problem = TopicNames.problem(t, topicStrict);
    if (problem != null) {
      String from = topic != null ? topicKeyForErrors : "the stream name"
          + (topicPrefix.isEmpty() ? "" : " after topicPrefix '" + topicPrefix + "'");
      throw new IllegalArgumentException("stream '" + stream + "' would go to Kafka topic '" + t + "' (from " + from
          + ") of service '" + serviceName + "', which is invalid: " + problem + "; set streams." + stream
          + ".topic to a valid topic");
    }
    return new Route(stream, t, defaultKey);
  }

  /** The service's config key. */
  String serviceName() {
    return serviceName;
  }

  /** The service's config path, e.g. {@code eventServices.kafka-main}. */
  String path() {
    return path;
  }

  /** Every producer property, defaults included; never shown as a whole (it may hold secrets). */
  Map<String, Object> producerProperties() {
    return producerProperties;
  }

  /** How long the worker waits for one batch's acknowledgements. */
  Duration sendTimeout() {
    return sendTimeout;
  }

  /** The bootstrap servers, for messages. */
  String bootstrapServers() {
    return bootstrapServers;
  }

  /** {@code text} with every secret value replaced. */
  String redact(String text) {
    return redact(text, secretValues);
  }

  static String redact(String text, Collection<String> secrets) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String s : secrets) {
      if (s.length() >= 3) {
        out = out.replace(s, "(hidden)");
      }
    }
    // Pieces of a JAAS line or similar quoted in a message: password="..." and friends.
    return INLINE_SECRET.matcher(out).replaceAll("$1=(hidden)");
  }

  private static final java.util.regex.Pattern INLINE_SECRET = java.util.regex.Pattern.compile(
      "(?i)([a-z._-]*(?:password|passwd|secret|token|credential|passphrase)[a-z._-]*)\\s*=\\s*(?:\"[^\"]*\"|'[^']*'|[^\\s;,]+)");

  private static void checkTopic(Config c, String key, String fullTopic, String prefix, boolean strict) {
    String problem = TopicNames.problem(fullTopic, strict);
    if (problem != null) {
      throw c.error(key, "topic '" + fullTopic + "'" + (prefix.isEmpty() ? "" : " (with topicPrefix '" + prefix + "')")
          + " is invalid: " + problem);
    }
  }

  private static KeyPath keyPath(Config c, String key, KeyPath fallback) {
    String spec = c.getString(key).orElse(null);
    if (spec == null) {
      return fallback;
    }
    try {
      return KeyPath.parse(spec);
    } catch (IllegalArgumentException e) {
      throw c.error(key, e.getMessage());
    }
  }

  private static String stringValue(Config c, String key) {
    Object raw = c.raw(key);
    if (raw == null) {
      return "";
    }
    if (raw instanceof Map) {
      throw c.error(key, "must be a single value or a list, got a map");
    }
    if (raw instanceof Collection<?> list) {
      List<String> parts = new ArrayList<>();
      for (Object o : list) {
        if (o != null && !o.toString().isBlank()) {
          parts.add(o.toString().trim());
        }
      }
      return String.join(",", parts);
    }
    return raw.toString().trim();
  }

  private static long longValue(Map<String, Object> props, String key) {
    return Long.parseLong(props.get(key).toString().trim());
  }

  private static String blamedKey(String message, Set<String> userKeys) {
    int i = message.indexOf("for configuration ");
    if (i >= 0) {
      String rest = message.substring(i + "for configuration ".length());
      String name = rest.split("[\\s:]", 2)[0];
      if (!name.isEmpty()) {
        return name;
      }
    }
    for (String k : userKeys) {
      if (message.contains(k)) {
        return k;
      }
    }
    return null;
  }
}
