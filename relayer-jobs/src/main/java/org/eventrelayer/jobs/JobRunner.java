package org.eventrelayer.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.eventrelayer.core.EventSignatures;
import org.eventrelayer.core.RateLimitedLogger;
import org.eventrelayer.jobs.internal.JobEventReader;
import org.eventrelayer.jobs.internal.JobPool;
import org.eventrelayer.jobs.internal.RunJobResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RunJob endpoint of MediaWiki's EventBus ({@code POST /eventbus/v0/internal/job/execute}), framework-neutral:
 * a job dispatcher POSTs a signed job event, the runner checks it, runs the {@link JobHandler} registered for its
 * {@code type} on a bounded pool and answers as EventBus does. Serve it with {@link JobRunnerHttpServer} (the
 * JDK's HTTP server, no dependency), or call {@link #handle} from a servlet or a Spring controller.
 *
 * <p>Checks, in EventBus' order: enabled (else 501), {@code POST} (405), not read-only (423),
 * {@code Content-Type: application/json} (415), body size (413), JSON object (500 "Could not decode the event"),
 * {@code database}/{@code type}/{@code params} present (400 with {@code missing_params}),
 * {@code mediawiki_signature} present (403) and valid (403, compared in constant time), {@code params} an object
 * and a handler for its type (400 "Failed creating job from description"), binary params valid base64 (500
 * "Parameter base64_decode() failed"), a free job slot (503 with {@code Retry-After}); then the job runs and
 * the answer is 200 {@code {status, error, caught, timeMs}}. Anything unexpected is a 500 "Internal Server
 * Error".
 *
 * <p>Thread-safe; {@link #close()} it with the host.
 */
public final class JobRunner implements AutoCloseable {

  /** The route EventBus serves the endpoint on (below its REST prefix). */
  public static final String DEFAULT_ROUTE = "/eventbus/v0/internal/job/execute";

  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  /**
   * An answer of the endpoint.
   *
   * @param status the HTTP status
   * @param body the JSON body
   * @param headers the response headers to set ({@code Content-Type}, and {@code Retry-After} on 503 or
   *     {@code Allow} on 405)
   */
  public record Response(int status, String body, Map<String, String> headers) {
    /** Creates a response; the headers are copied. */
    public Response {
      Objects.requireNonNull(body, "body");
      headers = Map.copyOf(headers);
    }
  }

  private final boolean enabled;
  private final EventSignatures signatures;
  private final Map<String, JobHandler> handlers;
  private final BooleanSupplier readOnly;
  private final int maxBodyBytes;
  private final int maxConcurrentJobs;
  private final Duration jobTimeout;
  private final long retryAfterSeconds;
  private final JobPool pool;
  private final RateLimitedLogger warn = new RateLimitedLogger(LOG, Duration.ofSeconds(30));
  private volatile boolean closed;

  private JobRunner(Builder b) {
    this.enabled = b.enabled;
    this.signatures = b.secret == null ? null : EventSignatures.of(b.secret, "HmacSHA1", "mediawiki_signature");
    this.handlers = Map.copyOf(b.handlers);
    this.readOnly = b.readOnly;
    this.maxBodyBytes = b.maxBodyBytes;
    this.maxConcurrentJobs = b.maxConcurrentJobs;
    this.jobTimeout = b.jobTimeout;
    this.retryAfterSeconds = Math.max(1, b.retryAfter.toSeconds());
    this.pool = enabled ? new JobPool(b.maxConcurrentJobs, b.jobTimeout) : null;
  }

  /** A builder; the endpoint is disabled (every request answers 501) unless {@link Builder#enabled} is set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The largest request body accepted, in bytes; adapters read at most one byte more. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** The most jobs running at once; a server adapter needs at least this many request threads. */
  public int maxConcurrentJobs() {
    return maxConcurrentJobs;
  }

  /**
   * Handles one request whose body is already read.
   *
   * @param method the HTTP method
   * @param contentType the {@code Content-Type} header, or {@code null}
   * @param body the request body
   * @return the answer; never {@code null}, never throws
   */
  public Response handle(String method, String contentType, byte[] body) {
    Response refused = preflight(method, contentType);
    if (refused != null) {
      return refused;
    }
    byte[] bytes = body == null ? new byte[0] : body;
    if (bytes.length > maxBodyBytes) {
      return tooLarge(bytes);
    }
    return guarded(bytes);
  }

  /**
   * Handles one request, reading at most {@link #maxBodyBytes()} + 1 bytes of {@code body} (and none if the
   * request is refused before its body matters). For adapters that have the body as a stream.
   *
   * @param method the HTTP method
   * @param contentType the {@code Content-Type} header, or {@code null}
   * @param body the request body; not closed here
   * @return the answer; never {@code null}
   * @throws IOException if reading the body fails (the client went away: there is no one to answer)
   */
  public Response handle(String method, String contentType, InputStream body) throws IOException {
    Response refused = preflight(method, contentType);
    if (refused != null) {
      return refused;
    }
    byte[] bytes = body.readNBytes(maxBodyBytes + 1);
    if (bytes.length > maxBodyBytes) {
      return tooLarge(bytes);
    }
    return guarded(bytes);
  }

  private Response preflight(String method, String contentType) {
    if (!enabled) {
      return RunJobResponses.error(501,
          "Set $wgEventBusEnableRunJobAPI to true to enable the internal EventBus API");
    }
    if (closed) {
      return unavailable("The job runner is closed");
    }
    if (!"POST".equalsIgnoreCase(method)) {
      return RunJobResponses.error(405, "Method Not Allowed",
          Map.of("Content-Type", "application/json", "Allow", "POST"), "method", method);
    }
    Response readOnlyAnswer = readOnlyAnswer();
    if (readOnlyAnswer != null) {
      return readOnlyAnswer;
    }
    if (!isJson(contentType)) {
      return RunJobResponses.error(415, "Unsupported Content-Type", "content_type", contentType);
    }
    return null;
  }

  /** 423 if the host says it is read-only, before any work, as EventBus does; 500 if it cannot say. */
  private Response readOnlyAnswer() {
    try {
      return readOnly.getAsBoolean() ? RunJobResponses.error(423, "Wiki is in read-only mode") : null;
    } catch (RuntimeException e) {
      return unexpected(e);
    }
  }

  /** {@code application/json}, any case, with or without parameters such as {@code charset}. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return type.toLowerCase(Locale.ROOT).equals("application/json");
  }

  private Response tooLarge(byte[] body) {
    return RunJobResponses.error(413, "Request body too large", "max_bytes", maxBodyBytes,
        "received_bytes", body.length);
  }

  private Response unavailable(String message) {
    return RunJobResponses.error(503, message,
        Map.of("Content-Type", "application/json", "Retry-After", Long.toString(retryAfterSeconds)));
  }

  /** Every unexpected failure becomes a 500, so that a host's bug never reaches the server as an exception. */
  private Response guarded(byte[] body) {
    try {
      return execute(body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return RunJobResponses.error(500, "Internal Server Error", "error", "interrupted while the job ran");
    } catch (RuntimeException | LinkageError | AssertionError e) {
      return unexpected(e);
    }
  }

  private Response unexpected(Throwable e) {
    warn.error("unexpected", "RunJob request failed unexpectedly: {}", e.toString());
    LOG.debug("RunJob request failure", e);
    return RunJobResponses.error(500, "Internal Server Error", "error", e.toString());
  }

  private Response execute(byte[] body) throws InterruptedException {
    JobEventReader event = JobEventReader.read(body);
    if (event.decodeError() != null) {
      return RunJobResponses.error(500, "Could not decode the event", "error", event.decodeError());
    }
    List<String> missing = event.missingParams();
    if (!missing.isEmpty()) {
      return RunJobResponses.error(400, "Invalid event received", "missing_params", missing);
    }
    if (!event.hasSignature()) {
      return RunJobResponses.error(403, "Missing mediawiki signature");
    }
    if (!signatures.verify(event.text())) {
      warn.warn("bad-signature", "RunJob refused an event with an invalid mediawiki_signature (type {}): "
          + "a wrong secret on one side, or a forged event", event.typeForLog());
      return RunJobResponses.error(403, "Invalid mediawiki signature");
    }
    String problem = event.jobProblem();
    JobHandler handler = problem == null ? handlers.get(event.type()) : null;
    if (problem == null && handler == null) {
      problem = "no handler for job type '" + event.type() + "'; registered: " + new TreeSet<>(handlers.keySet());
    }
    if (problem != null) {
      return RunJobResponses.error(400, "Failed creating job from description", "error", problem);
    }
    Job job;
    try {
      job = event.toJob();
    } catch (JobEventReader.InvalidBinaryParam e) {
      return RunJobResponses.error(500, "Parameter base64_decode() failed", "param_name", e.name(),
          "param_value", e.value());
    }
    JobPool.Outcome outcome = pool.run(handler, job);
    if (outcome == null) {
      return closed ? unavailable("The job runner is closed")
          : unavailable("Every job slot is busy; retry after " + retryAfterSeconds + " s");
    }
    if (!outcome.status()) {
      warn.warn("failed:" + job.type(), "job {} on {} failed: {}", job.type(), job.database(), outcome.caught());
    }
    return RunJobResponses.ran(outcome.status(), outcome.error(), outcome.caught(), outcome.timeMs());
  }

  /** Jobs running now. */
  public int runningJobs() {
    return pool == null ? 0 : pool.running();
  }

  /**
   * Stops taking jobs (requests answer 503), waits up to the job timeout for running ones, then interrupts them.
   * Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (pool != null) {
      pool.close(jobTimeout);
    }
  }

  @Override
  public String toString() {
    return "JobRunner{enabled=" + enabled + ", handlers=" + handlers.keySet() + "}"; // never the secret
  }

  /** Configures a {@link JobRunner}; every setter validates at once, naming the parameter. */
  public static final class Builder {
    private boolean enabled;
    private String secret;
    private final Map<String, JobHandler> handlers = new LinkedHashMap<>();
    private BooleanSupplier readOnly = () -> false;
    private int maxBodyBytes = 1 << 20;
    private int maxConcurrentJobs = Math.max(2, Runtime.getRuntime().availableProcessors());
    private Duration jobTimeout = Duration.ofMinutes(5);
    private Duration retryAfter = Duration.ofSeconds(5);

    private Builder() {}

    /** Whether the endpoint runs jobs; default {@code false}: every request answers 501, as EventBus does. */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** The secret job events are signed with ({@code mediawiki_signature}, HMAC-SHA1); required when enabled. */
    public Builder secret(String secret) {
      if (secret == null || secret.isEmpty()) {
        throw new IllegalArgumentException("secret must not be null or empty");
      }
      this.secret = secret;
      return this;
    }

    /** Runs the jobs whose {@code type} is {@code type} with {@code handler}; one handler per type. */
    public Builder handler(String type, JobHandler handler) {
      if (type == null || type.isBlank()) {
        throw new IllegalArgumentException("handler type must not be null or blank");
      }
      Objects.requireNonNull(handler, "handler");
      if (handlers.putIfAbsent(type, handler) != null) {
        throw new IllegalArgumentException("handler type '" + type + "' is registered twice");
      }
      return this;
    }

    /**
     * Asked first on every POST, as EventBus does: {@code true} answers 423 and reads nothing. Default: never
     * read-only. Must be cheap and must not block.
     */
    public Builder readOnly(BooleanSupplier readOnly) {
      this.readOnly = Objects.requireNonNull(readOnly, "readOnly");
      return this;
    }

    /** The largest request body accepted, in bytes (default 1 MiB); larger ones answer 413. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 64 || maxBodyBytes > (256 << 20)) {
        throw new IllegalArgumentException("maxBodyBytes must be between 64 and 256 MiB, got " + maxBodyBytes);
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** The most jobs running at once (default: the number of CPUs, at least 2); more answer 503. */
    public Builder maxConcurrentJobs(int maxConcurrentJobs) {
      if (maxConcurrentJobs < 1 || maxConcurrentJobs > 1024) {
        throw new IllegalArgumentException("maxConcurrentJobs must be between 1 and 1024, got "
            + maxConcurrentJobs);
      }
      this.maxConcurrentJobs = maxConcurrentJobs;
      return this;
    }

    /** The longest a job may run (default 5 min); then it is interrupted and reported with {@code status: false}. */
    public Builder jobTimeout(Duration jobTimeout) {
      Objects.requireNonNull(jobTimeout, "jobTimeout");
      if (jobTimeout.isNegative() || jobTimeout.isZero()) {
        throw new IllegalArgumentException("jobTimeout must be positive, got " + jobTimeout);
      }
      this.jobTimeout = jobTimeout;
      return this;
    }

    /** The {@code Retry-After} of a 503 (default 5 s, rounded down to whole seconds, at least 1). */
    public Builder retryAfter(Duration retryAfter) {
      Objects.requireNonNull(retryAfter, "retryAfter");
      if (retryAfter.isNegative() || retryAfter.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("retryAfter must be between 0 and 1 h, got " + retryAfter);
      }
      this.retryAfter = retryAfter;
      return this;
    }

    /**
     * Builds the runner.
     *
     * @throws IllegalStateException if it is enabled without a secret
     */
    public JobRunner build() {
      if (enabled && secret == null) {
        throw new IllegalStateException("secret is required when the RunJob endpoint is enabled");
      }
      return new JobRunner(this);
    }
  }
}
