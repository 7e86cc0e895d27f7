package org.eventrelayer.cdn;

import java.util.List;
import java.util.Map;
import org.eventrelayer.cdn.testing.FakeAkamai;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.eventrelayer.testkit.EventServiceContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared contract, run by {@code type: akamai} (EdgeGrid-signed URL purges) against the Akamai stand-in. */
class AkamaiContractTest extends EventServiceContractTest {

  private FakeAkamai api;

  @BeforeAll
  void startApi() {
    api = new FakeAkamai("ct-1", "at-1", "secret-1", new ServerBucket(100, 50), new ServerBucket(10_000, 200));
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
        return Map.of("type", "akamai", "baseUrl", api.baseUrl(), "clientToken", "ct-1", "accessToken", "at-1",
            "clientSecret", "secret-1", "timeout", "1s");
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
