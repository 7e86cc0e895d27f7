package org.eventrelayer.cdn;

import java.util.List;
import java.util.Map;
import org.eventrelayer.cdn.testing.FakeFastly;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.eventrelayer.testkit.EventServiceContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared contract, run by {@code type: fastly} (URL purges) against the Fastly stand-in. */
class FastlyContractTest extends EventServiceContractTest {

  private FakeFastly api;

  @BeforeAll
  void startApi() {
    api = new FakeFastly("key-1", "svc1", new ServerBucket(100_000, 100_000));
  }

  @AfterAll
  void stopApi() {
    api.close();
  }

  @Override
  protected Intake intake() {
    return new Intake() {
      @Override
      public Map<String, Object> serviceConfig() {
        api.purged().nextFixture();
        return Map.of("type", "fastly", "baseUrl", api.baseUrl(), "apiKey", "key-1", "connections", "8",
            "timeout", "1s");
      }

      @Override
      public List<String> received(String stream) {
        return api.purged().eventsOf(stream);
      }

      @Override
      public void stop() {
        api.server().stop();
      }

      @Override
      public void start() throws Exception {
        api.server().start();
      }
    };
  }
}
