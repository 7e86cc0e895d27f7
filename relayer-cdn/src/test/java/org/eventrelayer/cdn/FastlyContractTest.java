package org.eventrelayer.cdn;

import java.util.Map;
import org.eventrelayer.cdn.testing.FakeFastly;
import org.eventrelayer.cdn.testing.ServerBucket;
import org.eventrelayer.cdn.testing.StandIn;

/** The shared contract, run by {@code type: fastly} (URL purges) against the Fastly stand-in. */
class FastlyContractTest extends StandInContractTest {

  @Override
  StandIn start() {
    return new FakeFastly("key-1", "svc1", new ServerBucket(100_000, 100_000));
  }

  @Override
  Map<String, Object> serviceConfig(StandIn api) {
    return Map.of("type", "fastly", "baseUrl", api.baseUrl(), "apiKey", "key-1", "connections", "8",
        "timeout", "1s");
  }
}
