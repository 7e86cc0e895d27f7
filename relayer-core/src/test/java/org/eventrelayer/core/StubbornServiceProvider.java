package org.eventrelayer.core;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eventrelayer.Refusal;
import org.eventrelayer.ServiceStats;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.PendingEvent;
import org.eventrelayer.spi.ServiceContext;

/**
 * {@code type: stubborn}: a service whose {@code close} ignores its deadline and holds its caller until
 * {@link #RELEASE} opens (a misbehaving third-party service). Test-only.
 */
public final class StubbornServiceProvider implements EventServiceProvider {

  /** Opened by the test when it is done; until then every close() blocks. */
  static volatile CountDownLatch RELEASE = new CountDownLatch(1);

  /** For ServiceLoader. */
  public StubbornServiceProvider() {}

  @Override
  public String name() {
    return "stubborn";
  }

  @Override
  public EventService create(ServiceContext context) {
    return new EventService() {
      @Override
      public String name() {
        return context.name();
      }

      @Override
      public String type() {
        return "stubborn";
      }

      @Override
      public void checkStream(String stream) {}

      @Override
      public Refusal offer(PendingEvent event) {
        return null;
      }

      @Override
      public boolean flush(Duration timeout) {
        return true;
      }

      @Override
      public ServiceStats stats() {
        return new ServiceStats(context.name(), "stubborn", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "CLOSED", null,
            null, Duration.ZERO);
      }

      @Override
      public boolean close(Duration timeout) {
        try {
          RELEASE.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return true;
      }
    };
  }
}
