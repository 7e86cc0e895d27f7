package org.eventrelayer.cdn;

import java.util.Map;
import org.eventrelayer.cdn.testing.FakeAkamai;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.eventrelayer.cdn.testing.StandIn;

/** The shared contract, run by {@code type: akamai} (EdgeGrid-signed URL purges) against the Akamai stand-in. */
class AkamaiContractTest extends StandInContractTest {

  @Override
  StandIn start() {
    return new FakeAkamai("ct-1", "at-1", "secret-1", new ServerBucket(100, 50), new ServerBucket(10_000, 200));
  }

  @Override
  Map<String, Object> serviceConfig(StandIn api) {
    return Map.of("type", "akamai", "baseUrl", api.baseUrl(), "clientToken", "ct-1", "accessToken", "at-1",
        "clientSecret", "secret-1", "timeout", "1s");
  }
}
