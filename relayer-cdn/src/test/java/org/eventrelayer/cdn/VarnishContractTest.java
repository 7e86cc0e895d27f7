package org.eventrelayer.cdn;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.eventrelayer.cdn.testing.LoopbackServer;
import org.eventrelayer.cdn.testing.PurgedUrls;
import org.eventrelayer.testkit.EventServiceContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared contract, run by {@code type: varnish} against two caches on loopback that record every PURGE they
 * get (fan-out: an event counts as received when both caches got it). Real Varnish cannot list what it was asked
 * to purge, so the contract's counting runs against these; {@link VarnishPurgeTest} proves the purges on real
 * Varnish.
 */
class VarnishContractTest extends EventServiceContractTest {

  private final PurgedUrls first = new PurgedUrls();
  private final PurgedUrls second = new PurgedUrls();
  private LoopbackServer cacheA;
  private LoopbackServer cacheB;

  @BeforeAll
  void startCaches() {
    cacheA = new LoopbackServer(exchange -> recordPurge(exchange, first));
    cacheB = new LoopbackServer(exchange -> recordPurge(exchange, second));
  }

  private static void recordPurge(com.sun.net.httpserver.HttpExchange exchange, PurgedUrls log) throws IOException {
    if (!exchange.getRequestMethod().equals("PURGE")) {
      LoopbackServer.answer(exchange, 405, "");
      return;
    }
    log.add("https://" + exchange.getRequestHeaders().getFirst("Host") + exchange.getRequestURI().getRawPath());
    LoopbackServer.answer(exchange, 200, "purged");
  }

  @AfterAll
  void stopCaches() {
    cacheA.close();
    cacheB.close();
  }

  @Override
  protected Intake intake() {
    return new Intake() {
      @Override
      public Map<String, Object> serviceConfig() {
        first.nextFixture();
        second.nextFixture();
        return Map.of("type", "varnish", "hosts", "127.0.0.1:" + cacheA.port() + ",127.0.0.1:" + cacheB.port(),
            "timeout", "1s");
      }

      @Override
      public List<String> received(String stream) {
        List<String> a = first.eventsOf(stream);
        List<String> b = second.eventsOf(stream);
        // Received means received by every cache: as many as the cache that got fewer.
        return a.size() <= b.size() ? a : b;
      }

      @Override
      public void stop() {
        cacheA.stop();
        cacheB.stop();
      }

      @Override
      public void start() throws IOException {
        cacheA.start();
        cacheB.start();
      }
    };
  }
}
