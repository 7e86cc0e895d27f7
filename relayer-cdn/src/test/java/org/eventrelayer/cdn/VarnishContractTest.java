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
 * Varnish. Like a VCL that locks a part of the site, both refuse PURGE under {@code /locked/} with 405: the
 * contract's event the destination refuses for good.
 */
class VarnishContractTest extends EventServiceContractTest {

  private static final String LOCKED = "/locked/";

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
    if (!exchange.getRequestMethod().equals("PURGE") || exchange.getRequestURI().getRawPath().startsWith(LOCKED)) {
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

      @Override
      public void hang() {
        cacheA.hang();
        cacheB.hang();
      }

      @Override
      public Map<String, Object> invalidEvent(String stream, String id) {
        Map<String, Object> event = validEvent(stream, id);
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) event.get("meta");
        meta.put("uri", "https://en.example.org" + LOCKED + id);
        return event;
      }
    };
  }
}
