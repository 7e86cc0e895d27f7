package org.eventrelayer.cdn;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.core.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the CDN API transports share: a batch's purges planned into the provider's requests (by the subclass, within
 * its per-request limits), each request paced by the token buckets before it is sent, the requests of a batch in
 * flight together, and each answer mapped to the purges it carried. The answers' {@code Retry-After} and
 * {@code X-RateLimit-*} headers steer the buckets ({@link RateLimitSignals}), so the next batch waits as long as
 * the provider said, and a 429 hands the engine the wait as the retry delay. A request refused for good that
 * carried several purges is sent again in halves, so one bad URL does not take its neighbours with it.
 *
 * <p>{@code begin} and {@code await} run on the engine's worker, which alone owns the buckets; only the HTTP calls
 * run elsewhere (OkHttp's threads, through {@link CallGroup}).
 */
abstract class ApiPurgeTransport implements Transport {

  private static final Logger log = LoggerFactory.getLogger(ApiPurgeTransport.class);
  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final Duration AWAIT_MARGIN = Duration.ofSeconds(2);
  private static final long MAX_PARK_NANOS = 50_000_000;

  /**
   * One request to send: the batch indices of the purges it carries, and how many objects it spends; or, with a
   * {@code refusal} and no request, purges that can never be sent (dead-lettered with that reason).
   */
  record Planned(int[] events, Request request, int objects, String refusal) {
    Planned(int[] events, Request request, int objects) {
      this(events, request, objects, null);
    }

    static Planned refused(int event, String reason) {
      return new Planned(new int[] {event}, null, 0, reason);
    }
  }

  protected final String service;
  private final String provider;
  private final String credentialKeys;
  protected final ApiSettings api;
  private final CdnClients clients;
  protected final OkHttpClient client;
  private final TokenBucket requests; // null: no documented limit
  private final TokenBucket objects;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** nanoTime before which nothing is sent: set by a 429 the moment it arrives, on OkHttp's thread. */
  private final AtomicLong holdUntil = new AtomicLong(System.nanoTime());
  private volatile boolean cancelled;

  ApiPurgeTransport(String service, String type, String provider, String credentialKeys, ApiSettings api) {
    this.service = service;
    this.provider = provider;
    this.credentialKeys = credentialKeys;
    this.api = api;
    this.clients = new CdnClients(service, type, api.timeout, api.connectTimeout);
    this.client = clients.newClient(api.connections, Duration.ofSeconds(30));
    this.requests = api.requestsPerSecond > 0
        ? new TokenBucket("requests", api.requestBurst, api.requestsPerSecond, System::nanoTime) : null;
    this.objects = api.objectsPerSecond > 0
        ? new TokenBucket("objects", api.objectBurst, api.objectsPerSecond, System::nanoTime) : null;
  }

  /**
   * Turns the purges into the provider's requests.
   *
   * @param targets the purges, parallel to {@code indices}
   * @param indices their indices in the batch
   */
  abstract List<Planned> plan(List<PurgeTarget> targets, List<Integer> indices) throws IOException;

  /** Last touch on a request just before it is sent, after pacing (e.g. a signature with a fresh timestamp). */
  Request beforeSend(Request request) throws IOException {
    return request;
  }

  /** A provider's own refusal inside a 2xx answer (e.g. {@code "success": false}), or {@code null}. */
  Verdict inspect2xx(CallGroup.Answer answer) {
    return null;
  }

  @Override
  public int maxInFlightBatches() {
    return api.maxInFlightBatches;
  }

  /** Plans the batch, then sends each request as soon as the buckets allow; returns when all are on their way. */
  @Override
  public Flight begin(Batch batch) throws IOException {
    if (closed.get() || cancelled) {
      throw new InterruptedIOException("transport closed");
    }
    int n = batch.size();
    String[] refused = new String[n];
    PurgeTarget[] targetOf = new PurgeTarget[n];
    List<PurgeTarget> targets = new ArrayList<>(n);
    List<Integer> indices = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      try {
        targetOf[i] = PurgeTarget.of(batch.events().get(i));
        targets.add(targetOf[i]);
        indices.add(i);
      } catch (IllegalArgumentException e) {
        refused[i] = e.getMessage();
      }
    }
    List<Planned> planned = targets.isEmpty() ? List.of() : plan(targets, indices);
    CallGroup calls = send(planned);
    return () -> finish(n, refused, targetOf, planned, calls);
  }

  /** Sends each planned request as soon as the buckets allow. */
  private CallGroup send(List<Planned> planned) throws IOException {
    CallGroup calls = new CallGroup(planned.size(), MAX_BODY_BYTES, this::holdOn429);
    for (int k = 0; k < planned.size(); k++) {
      if (planned.get(k).refusal() != null) {
        calls.skip(k);
        continue;
      }
      pace(planned.get(k).objects());
      calls.start(k, client.newCall(beforeSend(planned.get(k).request())));
    }
    return calls;
  }

  /**
   * The requests that carry the purges of {@code events} in two halves. The providers refuse a whole request when
   * one of its URLs is refused ("If any object you specify fails to purge, the entire request fails", Akamai), so
   * a refused request of several purges is sent again in halves until the refused purges stand alone and their
   * neighbours are purged: one bad URL costs about 2 log2(n) extra requests, not n dead letters.
   */
  private List<Planned> halves(int[] events, PurgeTarget[] targetOf) throws IOException {
    List<Planned> out = new ArrayList<>();
    int mid = events.length / 2;
    int[][] parts = {Arrays.copyOfRange(events, 0, mid), Arrays.copyOfRange(events, mid, events.length)};
    for (int[] half : parts) {
      List<PurgeTarget> targets = new ArrayList<>(half.length);
      List<Integer> indices = new ArrayList<>(half.length);
      for (int i : half) {
        targets.add(targetOf[i]);
        indices.add(i);
      }
      out.addAll(plan(targets, indices));
    }
    return out;
  }

  /**
   * A 429 stops further sends at once, even those of batches already begun: the buckets are steered later, on the
   * worker, but a request sent meanwhile would only spend the provider's patience.
   */
  private void holdOn429(CallGroup.Answer a) {
    if (a.code() == 429) {
      Duration pause = RateLimitSignals.from(a.headers(), a.at()).pause();
      long until = System.nanoTime() + (pause == null ? api.waitOn429 : pause).toNanos();
      holdUntil.accumulateAndGet(until, Math::max);
    }
  }

  /** Waits until no 429 holds us and both buckets can pay for one request of {@code n} objects, then pays. */
  private void pace(int n) throws InterruptedIOException {
    while (true) {
      long held = Math.max(0, holdUntil.get() - System.nanoTime());
      long wait = Math.max(held, Math.max(requests == null ? 0 : requests.nanosUntil(1),
          objects == null ? 0 : objects.nanosUntil(n)));
      if (wait == 0) {
        break;
      }
      if (cancelled || Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("canceled while waiting for the " + provider + " rate limit");
      }
      LockSupport.parkNanos(this, Math.min(wait, MAX_PARK_NANOS)); // short naps: cancel() is noticed quickly
    }
    if (requests != null) {
      requests.take(1);
    }
    if (objects != null) {
      objects.take(n);
    }
  }

  private SendResult finish(int n, String[] refused, PurgeTarget[] targetOf, List<Planned> planned,
      CallGroup calls) throws IOException {
    SendResult.Builder result = SendResult.builder(n);
    boolean anyTaken = false; // an answer or a planning step that took or refused a purge
    for (int i = 0; i < n; i++) {
      if (refused[i] != null) {
        result.invalid(i, refused[i]);
        anyTaken = true;
      }
    }
    String firstRetry = null;
    Duration retryAfter = null;
    while (!planned.isEmpty()) {
      CallGroup.Answer[] answers = calls.await(api.timeout.plus(AWAIT_MARGIN));
      List<Planned> again = new ArrayList<>();
      for (int k = 0; k < planned.size(); k++) {
        Planned p = planned.get(k);
        if (p.refusal() != null) {
          for (int i : p.events()) {
            result.invalid(i, p.refusal());
          }
          anyTaken = true;
          continue;
        }
        CallGroup.Answer a = answers[k];
        Verdict v = ApiAnswers.of(a, provider, credentialKeys);
        if (v.kind() == Verdict.Kind.DONE) {
          Verdict inner = inspect2xx(a);
          v = inner == null ? v : inner;
        }
        Duration pause = a.failed() ? null : steer(a);
        if (pause != null && (retryAfter == null || pause.compareTo(retryAfter) > 0)) {
          retryAfter = pause;
        }
        if (v.kind() == Verdict.Kind.INVALID && p.events().length > 1) {
          log.debug("eventrelayer {} service '{}': a request of {} purges was refused ({}); sending it in halves",
              provider, service, p.events().length, v.reason());
          again.addAll(halves(p.events(), targetOf));
          continue;
        }
        anyTaken |= v.kind() != Verdict.Kind.RETRY;
        firstRetry = firstRetry == null && v.kind() == Verdict.Kind.RETRY ? v.reason() : firstRetry;
        for (int i : p.events()) {
          switch (v.kind()) {
            case INVALID -> result.invalid(i, v.reason());
            case RETRY -> result.retry(i, v.reason());
            case DONE -> { }
          }
        }
      }
      planned = again;
      calls = again.isEmpty() ? calls : send(again);
    }
    if (!anyTaken && firstRetry != null) {
      // The API took and refused nothing: it failed, not the purges (a circuit-breaker failure).
      return retryAfter == null ? SendResult.retryAll(firstRetry) : SendResult.retryAll(firstRetry, retryAfter);
    }
    if (retryAfter != null) {
      result.retryAfter(retryAfter);
      log.debug("eventrelayer {} service '{}': {} asked to wait {} ms", provider, service, provider,
          retryAfter.toMillis());
    }
    return result.build();
  }

  /** Steers the buckets by an answer's rate-limit headers; returns the wait a 429 or 503 asks for, if any. */
  private Duration steer(CallGroup.Answer a) {
    RateLimitSignals signals = RateLimitSignals.from(a.headers(), a.at());
    if (a.code() == 429 && signals.pause() == null) {
      signals = new RateLimitSignals(api.waitOn429, signals.remaining(), signals.remainingObjects(),
          signals.untilReset());
    }
    signals.steer(requests, objects);
    return a.code() == 429 || a.code() == 503 ? signals.pause() : null;
  }

  /** Cancels what is in flight and any wait for the rate limit, from any thread. */
  @Override
  public void cancel() {
    cancelled = true;
    clients.cancelAll();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      cancelled = true;
      clients.close();
    }
  }
}
