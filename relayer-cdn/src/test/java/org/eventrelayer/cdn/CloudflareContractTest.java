package org.eventrelayer.cdn;

import java.util.List;
import java.util.Map;
import org.eventrelayer.cdn.testing.FakeCloudflare;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.eventrelayer.testkit.EventServiceContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared contract, run by {@code type: cloudflare} (Enterprise limits) against the Cloudflare stand-in. */
class CloudflareContractTest extends EventServiceContractTest {

  private FakeCloudflare api;

  @BeforeAll
  void startApi() {
    api = new FakeCloudflare("zone1", "token-1", 500, new ServerBucket(500, 50), new ServerBucket(3000, 3000));
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
        return Map.of("type", "cloudflare", "baseUrl", api.baseUrl(), "zone", "zone1", "apiToken", "token-1",
            "plan", "enterprise", "timeout", "1s");
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
