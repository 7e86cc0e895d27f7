package org.eventrelayer.cdn;

import java.util.Map;
import org.eventrelayer.cdn.testing.FakeCloudflare;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.eventrelayer.cdn.testing.StandIn;

/** The shared contract, run by {@code type: cloudflare} (Enterprise limits) against the Cloudflare stand-in. */
class CloudflareContractTest extends StandInContractTest {

  @Override
  StandIn start() {
    return new FakeCloudflare("zone1", "token-1", 500, new ServerBucket(500, 50), new ServerBucket(3000, 3000));
  }

  @Override
  Map<String, Object> serviceConfig(StandIn api) {
    return Map.of("type", "cloudflare", "baseUrl", api.baseUrl(), "zone", "zone1", "apiToken", "token-1",
        "plan", "enterprise", "timeout", "1s");
  }
}
