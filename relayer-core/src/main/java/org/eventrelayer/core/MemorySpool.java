package org.eventrelayer.core;

import java.time.Duration;
import java.util.List;
import org.eventrelayer.Refusal;
import org.eventrelayer.spi.PendingEvent;

/** Memory mode: no spool. Events wait in the engine's memory queue only; what is left at close is dropped. */
final class MemorySpool implements Spool {

  static final String CLOSED_BEFORE_DELIVERY = "service closed before delivery";

  @Override
  public boolean takesOffers() {
    return false;
  }

  @Override
  public Refusal offer(PendingEvent event, int sizeHint) {
    throw new UnsupportedOperationException("memory mode: events are queued by the engine");
  }

  @Override
  public Entry read(SpoolRun run) {
    throw new IllegalStateException("memory mode has no records on disk");
  }

  @Override
  public void consumed(Entry e) {}

  @Override
  public void finished(Entry e) {}

  @Override
  public void checkpoint() {}

  @Override
  public boolean mayLeaveRest() {
    return false;
  }

  @Override
  public boolean drained() {
    return true;
  }

  @Override
  public void leave(List<Entry> left, Verdicts verdicts) {
    for (Entry e : left) {
      verdicts.dropWaiting(e, CLOSED_BEFORE_DELIVERY);
    }
    verdicts.dropQueued(CLOSED_BEFORE_DELIVERY);
  }

  @Override
  public long flushMark() {
    return 0;
  }

  @Override
  public boolean awaitFinal(long mark, long deadlineNanos) {
    return true; // memory mode: every event is in a generation
  }

  @Override
  public boolean awaitDurable(Duration timeout) {
    return false;
  }

  @Override
  public boolean patientAtClose() {
    return false;
  }
}
