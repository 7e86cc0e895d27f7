package org.eventrelayer.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node KRaft broker (combined broker and controller) inside the test JVM, on 127.0.0.1 only.
 *
 * <p>It keeps its ports and log directory for its whole life, so {@link #stop()} then {@link #start()} restarts
 * the same broker with the same data at the same address: what a client sees when a real broker restarts.
 * Cold start takes about two seconds; share one instance per test class.
 */
final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final int NODE_ID = 1;

  private final Path logDir;
  private final int port;
  private final int controllerPort;
  private final Map<String, String> overrides;
  private final String clusterId = Uuid.randomUuid().toString();
  private KafkaRaftServer server;
  private boolean formatted;

  /** A broker with default settings; call {@link #start()}. */
  EmbeddedKafkaBroker() {
    this(Map.of());
  }

  /** A broker with extra server properties; call {@link #start()}. */
  EmbeddedKafkaBroker(Map<String, String> overrides) {
    this.overrides = Map.copyOf(overrides);
    try {
      this.logDir = Files.createTempDirectory("embedded-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.port = freePort();
    this.controllerPort = freePort();
  }

  /** Starts (or restarts) the broker and returns once it serves clients. */
  synchronized EmbeddedKafkaBroker start() {
    if (server != null) {
      return this;
    }
    KafkaConfig config = new KafkaConfig(serverProperties(), false);
    if (!formatted) {
      format(config);
      formatted = true;
    }
    KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
    s.startup();
    server = s;
    return this;
  }

  /** Stops the broker (keeping its port and data), and returns once it is down. */
  synchronized void stop() {
    if (server == null) {
      return;
    }
    server.shutdown();
    server.awaitShutdown();
    server = null;
  }

  /** Whether the broker is running. */
  synchronized boolean isRunning() {
    return server != null;
  }

  /** {@code 127.0.0.1:<port>}: the client listener, the same across restarts. */
  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The client listener's port. */
  int port() {
    return port;
  }

  /** Creates a topic (RF 1) unless it exists. */
  void createTopic(String topic, int partitions) {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("could not create topic " + topic, e.getCause());
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not create topic " + topic, e);
    }
  }

  /** An admin client on this broker; close it. */
  Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(p);
  }

  /**
   * Reads every record of {@code topic} from the beginning until at least {@code atLeast} arrived and a further
   * poll brings nothing new, or {@code timeout} passes.
   */
  List<ConsumerRecord<String, byte[]>> readAll(String topic, int atLeast, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      int emptyPolls = 0;
      while (System.nanoTime() < deadline) {
        int before = out.size();
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        if (out.size() >= atLeast) {
          emptyPolls = out.size() == before ? emptyPolls + 1 : 0;
          if (emptyPolls >= 2) {
            break;
          }
        }
      }
    }
    return out;
  }

  /** Stops the broker and deletes its data. */
  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(logDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }

  private Properties serverProperties() {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("num.partitions", "1");
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("background.threads", "2");
    p.put("auto.create.topics.enable", "true");
    p.putAll(overrides);
    return p;
  }

  private void format(KafkaConfig config) {
    try {
      Formatter formatter = new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setClusterId(clusterId)
          .setNodeId(NODE_ID)
          .setControllerListenerName("CONTROLLER")
          .setMetadataLogDirectory(config.metadataLogDir())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION);
      formatter.addDirectory(logDir.toString());
      formatter.run();
    } catch (Exception e) {
      throw new IllegalStateException("could not format " + logDir, e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
