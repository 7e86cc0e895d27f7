package org.eventrelayer.cdn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.eventrelayer.core.BatchEvent;

/**
 * Which caches already took each purge that is still being retried, so a retry goes only to the hosts that have
 * not: an outcome per event per host, the event final when every host took it. Bounded: beyond {@code limit}
 * events the oldest entry is forgotten, and that event's retry goes to every host again (a purge repeated is
 * harmless; one missed is not).
 *
 * <p>Not thread-safe: owned by the engine's worker ({@code begin} and {@code await} both run there).
 */
final class HostProgress {

  private final int hosts;
  private final Map<String, boolean[]> doneByEvent;

  HostProgress(int hosts, int limit) {
    this.hosts = hosts;
    this.doneByEvent = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, boolean[]> eldest) {
        return size() > limit;
      }
    };
  }

  /** The hosts that already took {@code event}, as a fresh array the caller may fill in. */
  boolean[] done(BatchEvent event) {
    if (doneByEvent.isEmpty()) {
      return new boolean[hosts];
    }
    boolean[] d = doneByEvent.get(key(event));
    return d == null ? new boolean[hosts] : d.clone();
  }

  /** Remembers the hosts that took {@code event}, which is to be retried on the others. */
  void partial(BatchEvent event, boolean[] done) {
    doneByEvent.put(key(event), done);
  }

  /** {@code event} is final: forget it. */
  void finished(BatchEvent event) {
    if (!doneByEvent.isEmpty()) {
      doneByEvent.remove(key(event));
    }
  }

  int size() {
    return doneByEvent.size();
  }

  private static String key(BatchEvent event) {
    return event.id() != null ? event.id() : event.jsonString();
  }
}
