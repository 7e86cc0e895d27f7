package org.eventrelayer.purger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eventrelayer.cdn.testing.LoopbackServer;
import org.eventrelayer.cdn.testing.PurgedUrls;
import org.eventrelayer.kafka.PurgerTestBroker;
import org.eventrelayer.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PurgerMain}: a properties file, stats while it runs, a graceful stop, exit code 2 on a bad config. */
class PurgerMainTest {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @Test
  void runsFromPropertiesPrintsStatsAndStopsGracefully() throws Exception {
    PurgedUrls purged = new PurgedUrls();
    try (PurgerTestBroker broker = PurgerTestBroker.start();
        LoopbackServer cache = PurgerFixture.recordingCache(purged)) {
      String topic = PurgerFixture.unique("main");
      String group = PurgerFixture.unique("g");
      broker.createTopic(topic, 2);
      Properties props = new Properties();
      props.setProperty("topics", topic);
      props.setProperty("kafka.bootstrap.servers", broker.bootstrapServers());
      props.setProperty("kafka.group.id", group);
      props.setProperty("stages", "cache");
      props.setProperty("eventServices.cache.type", "varnish");
      props.setProperty("eventServices.cache.hosts", "127.0.0.1:" + cache.port());
      List<String> urls = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        urls.add("https://en.example.org/wiki/" + topic + "_" + i);
      }
      PurgerFixture.produce(broker, topic, urls.stream().map(u -> PurgerFixture.event(u, Instant.now())).toList());

      CountDownLatch stop = new CountDownLatch(1);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
      Purger purger = Purger.fromProperties(props);
      Thread main = new Thread(() -> {
        try {
          PurgerMain.run(purger, stop, Duration.ofMillis(200), out);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "test-purger-main");
      main.start();
      await().atMost(PATIENCE).until(() -> purged.all().size() >= 50);
      stop.countDown(); // what the shutdown hook does on SIGTERM
      main.join(TimeUnit.SECONDS.toMillis(30));

      assertThat(main.isAlive()).isFalse();
      assertThat(purged.all()).containsExactlyInAnyOrderElementsOf(urls);
      List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
      assertThat(lines).isNotEmpty().allMatch(l -> l.startsWith("PurgerStats["));
      assertThat(lines.get(lines.size() - 1)).contains("polled=50").contains("purged=50").contains("backlog=0");
      assertThat(broker.uncommitted(group, topic)).isZero();
    }
  }

  @Test
  void aBadConfigurationExitsWithTwoAndNamesTheKey(@TempDir Path dir) throws Exception {
    Path props = dir.resolve("purger.properties");
    Files.writeString(props, "topics=t\nkafka.bootstrap.servers=127.0.0.1:9\nstages=nowhere\n");
    ChildJvm child = ChildJvm.start(PurgerMain.class, dir.resolve("stderr.txt"), props.toString());
    assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.process().exitValue()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("stderr.txt"))).contains("stages").contains("nowhere");
  }
}
