package org.eventrelayer.http;

import java.util.List;
import java.util.Map;
import org.eventrelayer.testkit.EventGateIntake;
import org.eventrelayer.testkit.EventServiceContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The event-service contract, run against the {@code http} service and the test kit's faithful EventGate. */
class HttpEventServiceContractTest extends EventServiceContractTest {

  private EventGateIntake gate;

  private final Intake intake = new Intake() {
    @Override
    public Map<String, Object> serviceConfig() {
      Map<String, Object> m = gate.serviceConfig();
      m.put("timeout", "2s");
      return m;
    }

    @Override
    public List<String> received(String stream) {
      return gate.stored(stream);
    }

    @Override
    public void stop() {
      gate.stop();
    }

    @Override
    public void start() throws Exception {
      gate.release();
      gate.restart();
    }

    @Override
    public void hang() {
      gate.hold();
    }

    @Override
    public Map<String, Object> invalidEvent(String stream, String id) {
      Map<String, Object> event = validEvent(stream, id);
      event.put("tags", List.of(42)); // tags must be strings: EventGate lists it under invalid
      return event;
    }
  };

  @BeforeAll
  void startIntake() throws Exception {
    gate = EventGateIntake.start();
  }

  @AfterAll
  void stopIntake() {
    gate.close();
  }

  @Override
  protected Intake intake() {
    return intake;
  }
}
