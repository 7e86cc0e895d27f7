package org.eventrelayer.cdn;

import java.util.List;
import java.util.Map;
import org.eventrelayer.cdn.testing.StandIn;
import org.eventrelayer.testkit.EventServiceContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared contract against a CDN API stand-in: received means purged by the stand-in. Every stand-in refuses a
 * URL with a non-ASCII character for good ({@link StandIn#refuses}), the contract's event the destination
 * refuses; {@code hang()} leaves the API taking requests without answering.
 */
abstract class StandInContractTest extends EventServiceContractTest {

  private StandIn api;

  /** Starts the stand-in. */
  abstract StandIn start();

  /** The service entry that reaches {@code api}. */
  abstract Map<String, Object> serviceConfig(StandIn api);

  @BeforeAll
  void startApi() {
    api = start();
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
        return StandInContractTest.this.serviceConfig(api);
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

      @Override
      public void hang() {
        api.server().hang();
      }

      @Override
      public Map<String, Object> invalidEvent(String stream, String id) {
        Map<String, Object> event = validEvent(stream, id);
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) event.get("meta");
        meta.put("uri", "https://en.example.org/wiki/Caf\u00e9_" + id);
        return event;
      }
    };
  }
}
