package org.eventrelayer.cdn.testing;

import com.sun.net.httpserver.HttpHandler;

/**
 * What the stand-in CDN APIs share: a restartable loopback server, the URLs they purged and their rate-limit
 * bookkeeping.
 */
public abstract class StandIn implements AutoCloseable {

  private final PurgedUrls purged = new PurgedUrls();
  private final RateGate gate = new RateGate();
  private final LoopbackServer server;

  protected StandIn() {
    HttpHandler handler = this::handle;
    this.server = new LoopbackServer(handler);
  }

  /** Answers one request. */
  protected abstract void handle(com.sun.net.httpserver.HttpExchange exchange) throws java.io.IOException;

  /**
   * Whether the API refuses to purge {@code url} for good: one with a character outside ASCII. Akamai documents
   * this refusal (400 "bad URL", "contains non-ASCII character", failing the whole request); Cloudflare and
   * Fastly document no answer for such a URL, so their stand-ins refuse it the same way (400, whole request) to
   * give the contract a purge the destination refuses among good ones.
   */
  public static boolean refuses(String url) {
    return !url.chars().allMatch(c -> c < 0x80);
  }

  /** The {@code baseUrl} the transport is configured with. */
  public String baseUrl() {
    return server.baseUrl();
  }

  /** Every URL purged, in order. */
  public PurgedUrls purged() {
    return purged;
  }

  /** Its requests, 429 answers and requests sent while a 429's wait ran. */
  public RateGate gate() {
    return gate;
  }

  /** The server, to stop and start it. */
  public LoopbackServer server() {
    return server;
  }

  @Override
  public void close() {
    server.close();
  }
}
