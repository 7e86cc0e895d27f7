package org.eventrelayer.http;

import java.util.List;
import java.util.Map;
import org.eventrelayer.testkit.EventServiceContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/** The event-service contract, run against the {@code http} service and a fake EventGate on loopback. */
@Timeout(180)
class HttpEventServiceContractTest extends EventServiceContractTest {

  private final FakeEventGate gate = new FakeEventGate();

  private final Intake intake = new Intake() {
    @Override
    public Map<String, Object> serviceConfig() {
      return gate.serviceConfig("timeout", "2s");
    }

    @Override
    public List<String> received(String stream) {
      return gate.received(stream);
    }

    @Override
    public void stop() {
      gate.stop();
    }

    @Override
    public void start() throws Exception {
      gate.start();
    }
  };

  @BeforeAll
  void startIntake() throws Exception {
    gate.start();
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
