package org.eventrelayer.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import okio.BufferedSource;
import org.eventrelayer.core.Batch;
import org.eventrelayer.core.BatchEvent;
import org.eventrelayer.core.SendResult;
import org.eventrelayer.core.Transport;
import org.eventrelayer.spi.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each batch as one compact JSON array to an EventGate-style intake with OkHttp, and maps the answer to
 * per-event outcomes with {@link ResponseMapper}.
 *
 * <p>Up to {@code maxInFlightRequests} batches are outstanding at once ({@link #maxInFlightBatches()}), each an
 * asynchronous call on its own pooled connection whose answer is mapped to that batch alone; with 1, one batch at a
 * time, the worker assembling the next one while the answer travels. One {@link OkHttpClient} per service,
 * HTTP/1.1 only, no redirects followed, no silent OkHttp retries (the engine owns retrying, so one {@link #begin}
 * is exactly one attempt), every response closed on every path, and any body read bounded by
 * {@code maxResponseBytes}. {@link #close()} evicts the pool and stops the client's
 * threads. Header values (tokens) are never logged and never appear in reasons or exception messages.
 *
 * <p>Whole-exchange failures are thrown as standard exceptions with short messages: {@link ConnectException}
 * (refused, unreachable), {@link SocketTimeoutException} (connect, read or whole-call timeout), {@link SSLException}
 * (TLS), {@link UnknownHostException}, {@link InterruptedIOException} (cancelled while closing), or a plain
 * {@link IOException} (reset, truncated answer); the engine retries the batch and counts a breaker failure.
 */
final class HttpTransport implements Transport {

  private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);

  static final MediaType JSON = MediaType.get("application/json");
  /** Below Node's default 5 s keep-alive (EventGate), so we rarely reuse a connection the server is closing. */
  static final long KEEP_ALIVE_MILLIS = 4_000;
  static final int MAX_IDLE_CONNECTIONS = 2;
  /** How long past {@code timeout} a flight waits for a call OkHttp should have ended by then. */
  static final long AWAIT_GRACE_MILLIS = 5_000;

  private final String service;
  private final HttpSettings settings;
  private final OkHttpClient client;
  private final PrivateTaskRunner taskRunner; // null: OkHttp's shared runner (fallback)
  private final ResponseMapper mapper;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CallThreads callThreads = new CallThreads();
  private volatile boolean cancelled;

  HttpTransport(String service, HttpSettings settings) {
    this.service = service;
    this.settings = settings;
    this.mapper = new ResponseMapper(settings.maxResponseBytes);
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .callTimeout(settings.timeout)
        .connectTimeout(settings.connectTimeout)
        .readTimeout(settings.readTimeout)
        .writeTimeout(settings.readTimeout)
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .socketFactory(new NoDelaySocketFactory())
        .protocols(List.of(Protocol.HTTP_1_1))
        .dispatcher(dispatcher(service, callThreads, settings.maxInFlightRequests));
    int idle = Math.max(MAX_IDLE_CONNECTIONS, settings.maxInFlightRequests);
    if (settings.sslSocketFactory != null) {
      builder.sslSocketFactory(settings.sslSocketFactory, settings.trustManager);
    }
    PrivateTaskRunner runner;
    try {
      runner = PrivateTaskRunner.install(builder, threadName(service), idle, KEEP_ALIVE_MILLIS);
    } catch (LinkageError e) {
      log.debug("eventrelayer http service '{}': OkHttp has no private task runner hook ({}); using its shared one",
          service, e.toString());
      builder.connectionPool(new ConnectionPool(idle, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS));
      runner = null;
    }
    this.taskRunner = runner;
    this.client = builder.build();
    log.debug("eventrelayer http service '{}': POST {}{} (timeout {}, connectTimeout {}, readTimeout {}, "
            + "maxResponseBytes {}, maxInFlightRequests {}, extra headers {}, {} trust)", service, settings.shownUrl,
        settings.hasty ? "?hasty=true" : "", HttpSettings.human(settings.timeout),
        HttpSettings.human(settings.connectTimeout), HttpSettings.human(settings.readTimeout),
        settings.maxResponseBytes, settings.maxInFlightRequests, settings.headerNames(), settings.sslSocketFactory == null ? "JVM" : "custom");
  }

  /**
   * A dispatcher running at most {@code maxInFlight} calls, all to the one intake, on named daemon threads that
   * end when idle and that {@link #close()} stops.
   */
  private static Dispatcher dispatcher(String service, CallThreads threads, int maxInFlight) {
    ThreadPoolExecutor executor = new ThreadPoolExecutor(maxInFlight, maxInFlight, KEEP_ALIVE_MILLIS,
        TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> threads.newThread(r, threadName(service) + "-call-"));
    executor.allowCoreThreadTimeOut(true);
    Dispatcher dispatcher = new Dispatcher(executor);
    dispatcher.setMaxRequests(maxInFlight);
    dispatcher.setMaxRequestsPerHost(maxInFlight);
    return dispatcher;
  }

  /** At most {@code maxInFlightRequests} batches at once; the engine begins more only while all goes well. */
  @Override
  public int maxInFlightBatches() {
    return settings.maxInFlightRequests;
  }

  /**
   * Reads the transport keys of a service entry and builds the transport. Touches no network.
   *
   * @throws org.eventrelayer.ConfigException naming the key at fault
   */
  static HttpTransport create(String service, Config config) {
    return new HttpTransport(service, HttpSettings.from(config));
  }

  /**
   * Starts POSTing the batch: the call is queued on the client's dispatcher (at most {@code maxInFlightRequests}
   * running, each on its own pooled connection), the flight tells the engine when its answer is in, and its
   * {@code await} takes this batch's own answer. One batch is exactly one HTTP exchange, bounded by
   * {@code timeout}.
   *
   * @throws IOException (with a short, secret-free message) when the transport is closed or closing
   */
  @Override
  public HttpFlight begin(Batch batch) throws IOException {
    if (closed.get()) {
      throw new IOException("transport closed");
    }
    if (cancelled) {
      throw new InterruptedIOException("canceled: service closing");
    }
    if (batch.size() == 0) {
      SendResult delivered = SendResult.delivered();
      return () -> delivered;
    }
    Call call = client.newCall(new Request.Builder()
        .url(settings.url)
        .headers(settings.headers)
        .post(new BatchBody(batch.events()))
        .build());
    PendingAnswer pending = new PendingAnswer(batch, call);
    call.enqueue(pending);
    if (cancelled) { // cancel() ran between the check above and enqueue: it may have missed this call
      call.cancel();
    }
    return pending;
  }

  /**
   * Sends one batch and waits for its answer; {@link #begin} and its flight's {@code await} in one call.
   *
   * @throws IOException (with a short, secret-free message) when the exchange itself fails
   */
  SendResult send(Batch batch) throws IOException {
    try {
      return begin(batch).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted: service closing");
    }
  }

  /** A flight whose failures are those of an HTTP exchange. */
  @FunctionalInterface
  interface HttpFlight extends Flight {
    @Override
    SendResult await() throws IOException, InterruptedException;
  }

  private SendResult map(Batch batch, ResponseMapper.Answer answer) {
    return mapper.map(batch, answer, Instant.now());
  }

  /** What the mapper needs of a response, its body read (bounded) only when the status calls for it. */
  private ResponseMapper.Answer answer(Response response) throws IOException {
    int code = response.code();
    byte[] body = null;
    boolean tooLarge = false;
    if (ResponseMapper.needsBody(code)) {
      body = readBounded(response.body(), settings.maxResponseBytes);
      tooLarge = body == null;
    }
    return new ResponseMapper.Answer(code, response.message(), response.header("Retry-After"),
        response.header("Location"), body, tooLarge);
  }

  /**
   * The flight of one queued call: OkHttp's dispatcher thread reads the answer (bounded), closes the response and
   * signals the engine ({@link #whenDone}); the worker then takes it in {@link #await}. Mapping stays on the worker,
   * so the mapper is never shared. OkHttp's whole-call {@code timeout} ends every call; the answer also gives up
   * {@code AWAIT_GRACE_MILLIS} later, should a dispatcher shut down while closing never run the call.
   */
  private final class PendingAnswer implements Callback, HttpFlight {
    private final Batch batch;
    private final Call call;
    private final CompletableFuture<ResponseMapper.Answer> answer = new CompletableFuture<ResponseMapper.Answer>()
        .orTimeout(settings.timeout.toMillis() + AWAIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);

    PendingAnswer(Batch batch, Call call) {
      this.batch = batch;
      this.call = call;
    }

    @Override
    public void onResponse(Call call, Response response) {
      try (response) {
        answer.complete(answer(response));
      } catch (IOException | RuntimeException e) {
        answer.completeExceptionally(e);
      }
    }

    @Override
    public void onFailure(Call call, IOException e) {
      answer.completeExceptionally(e);
    }

    /** Runs {@code done} once the answer, a failure or the grace timeout is in. */
    @Override
    public boolean whenDone(Runnable done) {
      answer.whenComplete((a, e) -> done.run());
      return true;
    }

    /** Waits for the answer (at once when {@link #whenDone} has run) and maps it. */
    @Override
    public SendResult await() throws IOException, InterruptedException {
      try {
        return map(batch, answer.get());
      } catch (InterruptedException e) {
        call.cancel();
        throw e;
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof TimeoutException) {
          call.cancel();
          throw failure(new InterruptedIOException("timeout"));
        }
        if (cause instanceof IOException io) {
          throw failure(io);
        }
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        throw new IOException("exchange failed: " + cause, cause);
      }
    }
  }

  /**
   * Reads at most {@code max} bytes of {@code body}.
   *
   * @return the body, or {@code null} if it is longer than {@code max} (then left unread; closing the response
   *     discards or drops the connection)
   */
  static byte[] readBounded(ResponseBody body, long max) throws IOException {
    if (body.contentLength() > max) {
      return null;
    }
    BufferedSource source = body.source();
    if (source.request(max + 1)) {
      return null;
    }
    return source.getBuffer().readByteArray();
  }

  /**
   * Aborts every exchange in flight, if any, and makes every later send fail at once. The engine calls it from another
   * thread when {@code close} runs out of time on a hung endpoint.
   */
  @Override
  public void cancel() {
    cancelled = true;
    client.dispatcher().cancelAll(); // every queued or running call
  }

  /** Cancels anything in flight, evicts the connection pool and stops every OkHttp thread of this client. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    cancel();
    client.dispatcher().cancelAll();
    client.connectionPool().evictAll();
    ExecutorService calls = client.dispatcher().executorService();
    calls.shutdownNow();
    awaitEnd(calls);
    if (taskRunner != null) {
      taskRunner.shutdown();
    }
    log.debug("eventrelayer http service '{}': transport closed", service);
  }

  /**
   * Waits briefly (1 s at most) for the call threads to end, so none is left right after close; keeps an interrupt.
   * The pool counts a worker gone a moment before its thread ends, so its threads are joined too.
   */
  private void awaitEnd(ExecutorService calls) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    try {
      calls.awaitTermination(1, TimeUnit.SECONDS);
      callThreads.join(deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Makes the call pool's named daemon threads and remembers the live ones, so that close can join them. */
  private static final class CallThreads {
    private final java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger seq = new AtomicInteger();

    Thread newThread(Runnable r, String namePrefix) {
      threads.removeIf(t -> !t.isAlive() && t.getState() == Thread.State.TERMINATED); // idle ones that timed out
      Thread t = new Thread(r, namePrefix + seq.incrementAndGet());
      t.setDaemon(true);
      threads.add(t);
      return t;
    }

    void join(long deadlineNanos) throws InterruptedException {
      for (Thread t : threads) {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
          t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      }
    }
  }

  /** A short, secret-free exception for a failed exchange, keeping the standard type and the cause. */
  private IOException failure(IOException e) {
    String target = settings.url.host() + ":" + settings.url.port();
    IOException out;
    if (cancelled) {
      out = new InterruptedIOException("canceled: service closing");
    } else if (e instanceof SocketTimeoutException) {
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      out = m.contains("connect")
          ? new SocketTimeoutException("connect timeout: no connection to " + target + " within "
              + HttpSettings.human(settings.connectTimeout) + " (connectTimeout)")
          : new SocketTimeoutException("read timeout: no progress with " + target + " for "
              + HttpSettings.human(settings.readTimeout) + " (readTimeout)");
    } else if (e instanceof InterruptedIOException) {
      // OkHttp's whole-call timeout ("timeout"), or the worker was interrupted.
      out = Thread.currentThread().isInterrupted()
          ? new InterruptedIOException("interrupted: service closing")
          : new SocketTimeoutException("timeout: no complete answer from " + target + " within "
              + HttpSettings.human(settings.timeout) + " (timeout)");
    } else if (e instanceof ConnectException) {
      out = new ConnectException("cannot connect to " + target + rootDetail(e));
    } else if (e instanceof UnknownHostException) {
      out = new UnknownHostException("unknown host " + settings.url.host());
    } else if (e instanceof SSLException) {
      out = new SSLException("TLS failure with " + target + rootDetail(e));
    } else {
      out = new IOException("exchange with " + target + " failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + redact(e.getMessage())));
    }
    out.initCause(e);
    return out;
  }

  /** {@code " (root cause message)"}, cleaned and without the URL's query, or empty. */
  private String rootDetail(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return m == null || m.isBlank() ? "" : " (" + redact(m) + ")";
  }

  private String redact(String message) {
    return ResponseMapper.clean(message.replace(settings.url.toString(), settings.shownUrl));
  }

  /** The name of the client's OkHttp threads: {@code eventrelayer-<service>-okhttp}, like the engine's own. */
  static String threadName(String service) {
    return "eventrelayer-" + service + "-okhttp";
  }

  /** The settings, for tests. */
  HttpSettings settings() {
    return settings;
  }

  /** The events written as one compact JSON array, straight from their serialized bytes. */
  static final class BatchBody extends RequestBody {
    private final List<BatchEvent> events;
    private final long length;

    BatchBody(List<BatchEvent> events) {
      this.events = events;
      long n = 2L + Math.max(0, events.size() - 1);
      for (BatchEvent e : events) {
        n += e.json().length;
      }
      this.length = n;
    }

    /** {@code application/json}. */
    @Override
    public MediaType contentType() {
      return JSON;
    }

    /** The exact size of the array. */
    @Override
    public long contentLength() {
      return length;
    }

    /** Writes {@code [e1,e2,...]}; repeatable. */
    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      sink.writeByte('[');
      for (int i = 0; i < events.size(); i++) {
        if (i > 0) {
          sink.writeByte(',');
        }
        sink.write(events.get(i).json());
      }
      sink.writeByte(']');
    }
  }
}
