package org.eventrelayer.outbox;

import java.util.Map;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;

/**
 * An event read back from an outbox row: already built (with its {@code meta.id} and {@code meta.dt}) when the host
 * wrote it, so every relay of the row delivers the same event.
 */
final class RowEvent extends PendingEvent {

  private final Map<String, Object> event;
  private final int size;
  private final String coalesceKey;

  RowEvent(String stream, DeliveryTracker tracker, Map<String, Object> event, String json, String coalesceKey) {
    super(stream, tracker);
    this.event = event;
    this.size = utf8Length(json);
    this.coalesceKey = coalesceKey;
  }

  @Override
  public Map<String, Object> build() {
    return event;
  }

  @Override
  public int sizeHint() {
    return size;
  }

  @Override
  public String coalesceKey() {
    return coalesceKey;
  }

  static int utf8Length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char ch = s.charAt(i);
      if (ch >= 0x80) {
        bytes += ch < 0x800 ? 1 : Character.isSurrogate(ch) ? 1 : 2; // a surrogate pair is 4 bytes in all
      }
    }
    return bytes;
  }
}
