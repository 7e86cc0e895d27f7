package org.eventrelayer.cdn;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.HttpUrl;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.core.Transport;
import org.eventrelayer.spi.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every purge of a batch to every cache in {@code hosts}: one HTTP request per event per host
 * ({@code PURGE}/{@code BAN} with the URL's {@code Host}), pipelined over {@code connectionsPerHost} persistent
 * connections per host ({@link PipelinedConnection}: a batch's share of a connection is written in one go), and up
 * to {@code maxInFlightBatches} batches begun before the first is awaited. Each host's answer is mapped by {@link VarnishAnswers}; an event is delivered when
 * every host took it, and a retry goes only to the hosts that have not ({@link HostProgress}).
 */
final class VarnishTransport implements Transport {

  private static final Logger log = LoggerFactory.getLogger(VarnishTransport.class);
  private static final long MAX_BODY_BYTES = 4096;
  private static final int PROGRESS_LIMIT = 100_000;
  /** Beyond the calls' own timeout: only a backstop for a callback that never comes. */
  private static final Duration AWAIT_MARGIN = Duration.ofSeconds(2);

  private final String service;
  private final VarnishSettings settings;
  private final PipelinedConnection[][] connections; // [host][n]
  private final String[] hostNames;
  private final String method;
  private final HostProgress progress;
  private final AtomicBoolean closed = new AtomicBoolean();

  VarnishTransport(String service, VarnishSettings settings) {
    this.service = service;
    this.settings = settings;
    int h = settings.hosts.size();
    this.connections = new PipelinedConnection[h][settings.connectionsPerHost];
    this.hostNames = new String[h];
    for (int i = 0; i < h; i++) {
      HttpUrl url = settings.hosts.get(i);
      hostNames[i] = url.host() + ":" + url.port();
      for (int n = 0; n < settings.connectionsPerHost; n++) {
        connections[i][n] = new PipelinedConnection(url.host(), url.port(),
            "eventrelayer-" + service + "-varnish-" + hostNames[i] + "-" + (n + 1), settings.timeout,
            settings.connectTimeout, VarnishSettings.KEEP_ALIVE);
      }
    }
    this.method = settings.method == VarnishSettings.Method.BAN ? "BAN" : "PURGE";
    this.progress = new HostProgress(h, PROGRESS_LIMIT);
    log.debug("eventrelayer varnish service '{}': {} to {} (method {}, {} connections per host)", service, method,
        List.of(hostNames), settings.method, settings.connectionsPerHost);
  }

  /**
   * Reads the transport keys of a service entry and builds the transport. Touches no network.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  static VarnishTransport create(String service, Config config) {
    return new VarnishTransport(service, VarnishSettings.from(config));
  }

  @Override
  public int maxInFlightBatches() {
    return settings.maxInFlightBatches;
  }

  /**
   * Starts every purge of the batch at every host that has not taken it yet: each host's share is spread over its
   * connections in contiguous runs, each run written in one go. Returns once everything is written.
   */
  @Override
  public Flight begin(Batch batch) throws IOException {
    if (closed.get()) {
      throw new IOException("transport closed");
    }
    List<BatchEvent> events = batch.events();
    int h = hostNames.length;
    CallGroup calls = new CallGroup(events.size() * h, 0);
    String[] refused = new String[events.size()];
    boolean[][] done = new boolean[events.size()][];
    byte[][] requests = new byte[events.size()][];
    for (int i = 0; i < events.size(); i++) {
      BatchEvent event = events.get(i);
      done[i] = progress.done(event);
      try {
        requests[i] = request(PurgeTarget.of(event));
      } catch (IllegalArgumentException e) {
        refused[i] = e.getMessage();
      }
    }
    for (int j = 0; j < h; j++) {
      List<PipelinedConnection.Pending> toSend = new ArrayList<>(events.size());
      for (int i = 0; i < events.size(); i++) {
        int slot = i * h + j;
        if (requests[i] == null || done[i][j]) {
          calls.skip(slot);
        } else {
          toSend.add(new PipelinedConnection.Pending(requests[i], a -> calls.complete(slot, a)));
        }
      }
      int n = connections[j].length;
      int per = (toSend.size() + n - 1) / n;
      IOException unreachable = null;
      for (int c = 0; c < n && c * per < toSend.size(); c++) {
        List<PipelinedConnection.Pending> run = toSend.subList(c * per, Math.min(toSend.size(), (c + 1) * per));
        if (unreachable != null) {
          PipelinedConnection.fail(run, unreachable); // one connect timeout per host and batch, not one each
        } else {
          unreachable = connections[j][c].send(run);
        }
      }
    }
    return () -> finish(events, calls, refused, done);
  }


  private byte[] request(PurgeTarget target) {
    boolean xkey = settings.method == VarnishSettings.Method.XKEY;
    return PipelinedConnection.request(method, target.path(), target.host(), xkey ? settings.xkeyHeader : null,
        xkey ? target.path() : null);
  }

  private SendResult finish(List<BatchEvent> events, CallGroup calls, String[] refused, boolean[][] done)
      throws IOException {
    CallGroup.Answer[] answers = calls.await(settings.timeout.plus(AWAIT_MARGIN));
    int h = hostNames.length;
    SendResult.Builder result = SendResult.builder(events.size());
    Duration retryAfter = null;
    boolean anyTaken = false; // an answer that took or refused a purge: the caches are there
    String firstRetry = null;
    for (int i = 0; i < events.size(); i++) {
      BatchEvent event = events.get(i);
      if (refused[i] != null) {
        result.invalid(i, refused[i]);
        progress.finished(event);
        anyTaken = true;
        continue;
      }
      String invalid = null;
      String retry = null;
      for (int j = 0; j < h; j++) {
        CallGroup.Answer a = answers[i * h + j];
        if (a == null) {
          continue; // taken on an earlier attempt
        }
        Verdict v = VarnishAnswers.of(a, hostNames[j], method);
        anyTaken |= v.kind() != Verdict.Kind.RETRY;
        switch (v.kind()) {
          case DONE -> done[i][j] = true;
          case INVALID -> invalid = invalid == null ? v.reason() : invalid;
          case RETRY -> {
            retry = retry == null ? v.reason() : retry;
            Duration after = a.failed() ? null : RateLimitSignals.retryAfter(a.headers().get("Retry-After"), a.at());
            if (after != null && (retryAfter == null || after.compareTo(retryAfter) > 0)) {
              retryAfter = after;
            }
          }
        }
      }
      if (invalid != null) {
        result.invalid(i, invalid);
        progress.finished(event);
      } else if (retry != null) {
        result.retry(i, retry);
        progress.partial(event, done[i]);
        firstRetry = firstRetry == null ? retry : firstRetry;
      } else {
        progress.finished(event);
      }
    }
    if (!anyTaken && firstRetry != null) {
      // No cache took or refused anything: the caches failed, not the purges (a circuit-breaker failure).
      return retryAfter == null ? SendResult.retryAll(firstRetry) : SendResult.retryAll(firstRetry, retryAfter);
    }
    if (retryAfter != null) {
      result.retryAfter(retryAfter);
    }
    return result.build();
  }

  /** Fails every purge in flight, from any thread (they come back as retries), and every later one. */
  @Override
  public void cancel() {
    closed.set(true);
    closeConnections();
  }

  /** Fails what is in flight, drops every connection and stops their reader threads. */
  @Override
  public void close() {
    closed.set(true);
    closeConnections();
    log.debug("eventrelayer varnish service '{}': transport closed", service);
  }

  private void closeConnections() {
    for (PipelinedConnection[] host : connections) {
      for (PipelinedConnection c : host) {
        c.close();
      }
    }
  }

  /** How many events wait for a retry on some hosts only, for tests. */
  int partiallyPurged() {
    return progress.size();
  }
}
