package org.eventrelayer.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eventrelayer.spi.Config;
import org.eventrelayer.spi.ServiceContext;

/** Helpers shared by the Kafka tests. */
final class KafkaTestSupport {

  private KafkaTestSupport() {}

  /** A service context as the group builds it: {@code eventServices.<name>} and {@code streams.<stream>}. */
  static ServiceContext context(String name, Map<String, ?> service, Map<String, Map<String, ?>> streams) {
    Config config = Config.of("eventServices." + name, service);
    Map<String, Config> streamConfigs = new LinkedHashMap<>();
    streams.forEach((s, m) -> streamConfigs.put(s, Config.of("streams." + s, m)));
    return ServiceContext.of(name, config, streamConfigs);
  }

  /** A service context without stream entries. */
  static ServiceContext context(String name, Map<String, ?> service) {
    return context(name, service, Map.of());
  }

  /**
   * Producer settings that notice a dead broker within a second or two, for tests: the defaults are tuned for
   * production clusters, not for waiting in a test.
   */
  static Map<String, Object> quickProducer(String bootstrapServers) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bootstrap.servers", bootstrapServers);
    m.put("max.block.ms", "1000");
    m.put("request.timeout.ms", "1500");
    m.put("delivery.timeout.ms", "2000");
    m.put("reconnect.backoff.ms", "20");
    m.put("reconnect.backoff.max.ms", "200");
    m.put("retry.backoff.ms", "20");
    m.put("retry.backoff.max.ms", "200");
    return m;
  }

  /** Fast engine retries and a breaker that opens after two failed batches and probes every 200 ms. */
  static Map<String, Object> impatientEngine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("retry.initialBackoff", "10ms");
    m.put("retry.maxBackoff", "200ms");
    m.put("retry.maxAttempts", "100000");
    m.put("breaker.minimumNumberOfCalls", "2");
    m.put("breaker.slidingWindowSize", "4");
    m.put("breaker.waitInOpenState", "200ms");
    m.put("breaker.maxWaitInOpenState", "500ms");
    return m;
  }

  /** A loopback port nothing listens on (bound, then released). */
  static int closedPort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** UTF-8 bytes. */
  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A map from alternating keys and values. */
  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
