package org.eventrelayer.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import okhttp3.Call;
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
import org.eventrelayer.core.SynchronousTransport;
import org.eventrelayer.spi.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each batch as one compact JSON array to an EventGate-style intake with OkHttp, and maps the answer to
 * per-event outcomes with {@link ResponseMapper}.
 *
 * <p>One {@link OkHttpClient} per service, HTTP/1.1 only, no redirects followed, no silent OkHttp retries (the
 * engine owns retrying, so one {@link #send} is exactly one attempt), every response closed on every path, and
 * any body read bounded by {@code maxResponseBytes}. {@link #close()} evicts the pool and stops the client's
 * threads. Header values (tokens) are never logged and never appear in reasons or exception messages.
 *
 * <p>Whole-exchange failures are thrown as standard exceptions with short messages: {@link ConnectException}
 * (refused, unreachable), {@link SocketTimeoutException} (connect, read or whole-call timeout), {@link SSLException}
 * (TLS), {@link UnknownHostException}, {@link InterruptedIOException} (cancelled while closing), or a plain
 * {@link IOException} (reset, truncated answer); the engine retries the batch and counts a breaker failure.
 */
final class HttpTransport implements SynchronousTransport {

  private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);

  static final MediaType JSON = MediaType.get("application/json");
  /** Below Node's default 5 s keep-alive (EventGate), so we rarely reuse a connection the server is closing. */
  static final long KEEP_ALIVE_MILLIS = 4_000;
  static final int MAX_IDLE_CONNECTIONS = 2;

  private final String service;
  private final HttpSettings settings;
  private final OkHttpClient client;
  private final PrivateTaskRunner taskRunner; // null: OkHttp's shared runner (fallback)
  private final ResponseMapper mapper;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean cancelled;
  private volatile Call inFlight;

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
        .protocols(List.of(Protocol.HTTP_1_1));
    if (settings.sslSocketFactory != null) {
      builder.sslSocketFactory(settings.sslSocketFactory, settings.trustManager);
    }
    PrivateTaskRunner runner;
    try {
      runner = PrivateTaskRunner.install(builder, threadName(service), MAX_IDLE_CONNECTIONS, KEEP_ALIVE_MILLIS);
    } catch (LinkageError e) {
      log.debug("eventrelayer http service '{}': OkHttp has no private task runner hook ({}); using its shared one",
          service, e.toString());
      builder.connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS));
      runner = null;
    }
    this.taskRunner = runner;
    this.client = builder.build();
    log.debug("eventrelayer http service '{}': POST {}{} (timeout {}, connectTimeout {}, readTimeout {}, "
            + "maxResponseBytes {}, extra headers {}, {} trust)", service, settings.shownUrl,
        settings.hasty ? "?hasty=true" : "", HttpSettings.human(settings.timeout),
        HttpSettings.human(settings.connectTimeout), HttpSettings.human(settings.readTimeout),
        settings.maxResponseBytes, settings.headerNames(), settings.sslSocketFactory == null ? "JVM" : "custom");
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
   * POSTs the batch and maps the answer; one call is exactly one HTTP exchange, bounded by {@code timeout}.
   *
   * @throws IOException (with a short, secret-free message) when the exchange itself fails
   */
  @Override
  public SendResult send(Batch batch) throws IOException {
    if (closed.get()) {
      throw new IOException("transport closed");
    }
    if (cancelled) {
      throw new InterruptedIOException("canceled: service closing");
    }
    if (batch.size() == 0) {
      return SendResult.delivered();
    }
    Request request = new Request.Builder()
        .url(settings.url)
        .headers(settings.headers)
        .post(new BatchBody(batch.events()))
        .build();
    Call call = client.newCall(request);
    inFlight = call;
    if (cancelled) {
      call.cancel();
    }
    try (Response response = call.execute()) {
      int code = response.code();
      byte[] body = null;
      boolean tooLarge = false;
      if (ResponseMapper.needsBody(code)) {
        body = readBounded(response.body(), settings.maxResponseBytes);
        tooLarge = body == null;
      }
      return mapper.map(batch, new ResponseMapper.Answer(code, response.message(), response.header("Retry-After"),
          response.header("Location"), body, tooLarge), Instant.now());
    } catch (IOException e) {
      throw failure(e);
    } finally {
      inFlight = null;
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
   * Aborts the send in flight, if any, and makes every later send fail at once. The engine calls it from another
   * thread when {@code close} runs out of time on a hung endpoint.
   */
  @Override
  public void cancel() {
    cancelled = true;
    Call call = inFlight;
    if (call != null) {
      call.cancel();
    }
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
    client.dispatcher().executorService().shutdownNow();
    if (taskRunner != null) {
      taskRunner.shutdown();
    }
    log.debug("eventrelayer http service '{}': transport closed", service);
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
