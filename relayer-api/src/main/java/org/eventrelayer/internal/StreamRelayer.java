package org.eventrelayer.internal;

import java.util.List;
import java.util.Map;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;

/**
 * Relays JSON-object events as given to one stream, on one or more event services (KBase-style fan-out). Each
 * event is validated and snapshotted on the caller's thread, so the host may reuse its map at once.
 */
final class StreamRelayer extends ServiceRelayer {

  private final String stream;

  StreamRelayer(String name, String type, String stream, List<EventService> services) {
    super(name, type, services);
    this.stream = stream;
  }

  @Override
  PendingEvent prepare(Object event, int index, DeliveryTracker tracker, List<Refusal> refusals) {
    if (!(event instanceof Map<?, ?> map)) {
      refusals.add(notAMap(index, event, "a map (a JSON object)"));
      return null;
    }
    JsonSnapshot snapshot = JsonSnapshot.of(map, maxEventBytes());
    if (snapshot.problem() != null) {
      refusals.add(refusal(index, snapshot.problemReason(), snapshot.problem()));
      return null;
    }
    return new Snapshot(stream, tracker, snapshot);
  }

  private static final class Snapshot extends PendingEvent {
    private final JsonSnapshot snapshot;

    Snapshot(String stream, DeliveryTracker tracker, JsonSnapshot snapshot) {
      super(stream, tracker);
      this.snapshot = snapshot;
    }

    @Override
    public Map<String, Object> build() {
      return snapshot.value();
    }

    @Override
    public int sizeHint() {
      return snapshot.sizeHint();
    }
  }
}
