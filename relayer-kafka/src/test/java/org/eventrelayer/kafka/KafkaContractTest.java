package org.eventrelayer.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.testkit.EventServiceContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract every event service meets, on a real in-process KRaft broker (one for the whole class). */
class KafkaContractTest extends EventServiceContractTest {

  private EmbeddedKafkaBroker broker;
  private TopicCollector collector;
  private Intake intake;

  @BeforeAll
  void startBroker() {
    broker = new EmbeddedKafkaBroker().start();
    collector = new TopicCollector(broker.bootstrapServers(), "contract-");
    intake = new Intake() {
      @Override
      public Map<String, Object> serviceConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "kafka");
        m.putAll(KafkaTestSupport.quickProducer(broker.bootstrapServers()));
        return m;
      }

      @Override
      public List<String> received(String stream) {
        return collector.values(stream); // each stream goes to the topic of its name
      }

      @Override
      public void stop() {
        broker.stop();
      }

      @Override
      public void start() {
        broker.start();
      }

      @Override
      public Map<String, Object> invalidEvent(String stream, String id) {
        Map<String, Object> event = validEvent(stream, id);
        event.put("padding", "x".repeat(1_200_000)); // over max.request.size (1 MiB): RecordTooLargeException
        return event;
      }
    };
  }

  @AfterAll
  void stopBroker() {
    collector.close();
    broker.close();
  }

  @Override
  protected Intake intake() {
    return intake;
  }
}
