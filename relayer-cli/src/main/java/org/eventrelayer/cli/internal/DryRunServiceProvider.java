package org.eventrelayer.cli.internal;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.PendingEvent;
import org.eventrelayer.spi.ServiceContext;

/**
 * The event service of {@code purge --dry-run}: builds each accepted event (so it is checked as far as sending
 * would) and reports it dropped with the reason {@code dry run}, sending nothing. Named by class in the dry-run
 * group's config; public only for that.
 */
public final class DryRunServiceProvider implements EventServiceProvider {

  /** Creates the provider (found by class name). */
  public DryRunServiceProvider() {}

  @Override
  public String name() {
    return "dry-run";
  }

  @Override
  public EventService create(ServiceContext context) {
    return new DryRunService(context.name());
  }

  /** Accepts and builds everything, sends nothing. */
  private static final class DryRunService implements EventService {
    private final String name;
    private final LongAdder accepted = new LongAdder();

    DryRunService(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String type() {
      return "dry-run";
    }

    @Override
    public void checkStream(String stream) {
      // any stream: nothing is sent
    }

    @Override
    public Refusal offer(PendingEvent event) {
      try {
        event.build();
      } catch (RuntimeException e) {
        return new Refusal(0, RefusalReason.INVALID_EVENT, "cannot be built: " + e.getMessage());
      }
      accepted.increment();
      event.tracker().dropped("dry run: not sent");
      return null;
    }

    @Override
    public boolean flush(Duration timeout) {
      return true;
    }

    @Override
    public ServiceStats stats() {
      long n = accepted.sum();
      return new ServiceStats(name, type(), 0, 0, 0, 0, n, 0, 0, 0, n, 0, 0, 0, "CLOSED", null, null, Duration.ZERO);
    }

    @Override
    public boolean close(Duration timeout) {
      return true;
    }
  }
}
