package org.eventrelayer.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.eventrelayer.jobs.RunJobClient.job;
import static org.eventrelayer.jobs.RunJobClient.signed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eventrelayer.jobs.RunJobClient.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bounds: a full job pool answers 503 with Retry-After, a job past its timeout is interrupted; no secret leaks. */
@Timeout(60)
class JobRunnerLimitsTest {

  private final RunJobClient client = new RunJobClient();
  private final CountDownLatch started = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicBoolean interrupted = new AtomicBoolean();
  private final AtomicInteger quick = new AtomicInteger();
  private JobRunner runner;
  private JobRunnerHttpServer server;

  @AfterEach
  void close() {
    release.countDown();
    if (server != null) {
      server.close();
    }
    if (runner != null) {
      runner.close();
    }
  }

  private String serve(JobRunner.Builder builder) throws IOException {
    runner = builder
        .enabled(true)
        .secret(RunJobClient.SECRET)
        .handler("slowJob", job -> {
          started.countDown();
          try {
            release.await(50, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            interrupted.set(true);
            throw e;
          }
        })
        .handler("quickJob", job -> quick.incrementAndGet())
        .build();
    server = JobRunnerHttpServer.builder(runner).address(InetAddress.getByName("127.0.0.1")).start();
    return server.url();
  }

  @Test
  void aFullPoolAnswers503WithRetryAfterAndFreesItsSlotWhenTheJobEnds() throws Exception {
    String url = serve(JobRunner.builder().maxConcurrentJobs(1).retryAfter(Duration.ofSeconds(2)));
    CompletableFuture<Answer> slow = CompletableFuture.supplyAsync(
        () -> client.post(url, signed(job("enwiki", "slowJob", Map.of()))));
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    Answer busy = client.post(url, signed(job("enwiki", "quickJob", Map.of())));
    assertThat(busy.status()).isEqualTo(503);
    assertThat(busy.header("Retry-After")).isEqualTo("2");
    assertThat(busy.body().path("httpCode").asInt()).isEqualTo(503);
    assertThat(busy.body().path("httpReason").asText()).isEqualTo("Service Unavailable");
    assertThat(quick).hasValue(0);

    release.countDown();
    assertThat(slow.get(30, TimeUnit.SECONDS).body().path("status").asBoolean()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> runner.runningJobs() == 0);
    assertThat(client.post(url, signed(job("enwiki", "quickJob", Map.of()))).status()).isEqualTo(200);
    assertThat(quick).hasValue(1);
  }

  @Test
  void aJobPastItsTimeoutIsInterruptedAndReportedFailed() throws Exception {
    String url = serve(JobRunner.builder().maxConcurrentJobs(1).jobTimeout(Duration.ofMillis(300)));
    Answer a = client.post(url, signed(job("enwiki", "slowJob", Map.of())));

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body().path("status").asBoolean()).isFalse();
    assertThat(a.body().path("caught").get(0).asText()).isEqualTo("java.util.concurrent.TimeoutException");
    assertThat(a.body().path("error").asText()).contains("did not finish within PT0.3S");
    assertThat(a.body().path("timeMs").asLong()).isGreaterThanOrEqualTo(300);
    await().atMost(Duration.ofSeconds(10)).untilTrue(interrupted);
    // The slot is back once the handler really returned: the next job runs.
    await().atMost(Duration.ofSeconds(10)).until(() -> runner.runningJobs() == 0);
    assertThat(client.post(url, signed(job("enwiki", "quickJob", Map.of()))).status()).isEqualTo(200);
  }

  @Test
  void aClosedRunnerAnswers503() throws Exception {
    String url = serve(JobRunner.builder());
    runner.close();
    Answer a = client.post(url, signed(job("enwiki", "quickJob", Map.of())));
    assertThat(a.status()).isEqualTo(503);
    assertThat(a.body().path("message").asText()).isEqualTo("The job runner is closed");
    assertThat(quick).hasValue(0);
  }

  @Test
  void theSecretNeverReachesTheLogNorAnyString() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(new Tee(original, log), true, StandardCharsets.UTF_8));
    try {
      String url = serve(JobRunner.builder());
      client.post(url, signed(job("enwiki", "quickJob", Map.of()), "wrong-secret"));
      client.post(url, signed(job("enwiki", "noSuchJob", Map.of())));
      client.post(url, signed(job("enwiki", "quickJob", Map.of())));
      assertThat(runner.toString()).doesNotContain(RunJobClient.SECRET);
    } finally {
      System.err.flush();
      System.setErr(original);
    }
    String captured = log.toString(StandardCharsets.UTF_8);
    assertThat(captured).contains("invalid mediawiki_signature").doesNotContain(RunJobClient.SECRET);
    assertThat(quick).hasValue(1);
  }

  @Test
  void theBuilderRefusesMistakesNamingTheParameter() {
    assertThatThrownBy(() -> JobRunner.builder().enabled(true).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("secret");
    assertThatThrownBy(() -> JobRunner.builder().secret(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("secret");
    assertThatThrownBy(() -> JobRunner.builder().handler("a", j -> { }).handler("a", j -> { }))
        .hasMessageContaining("'a' is registered twice");
    assertThatThrownBy(() -> JobRunner.builder().maxConcurrentJobs(0)).hasMessageContaining("maxConcurrentJobs");
    assertThatThrownBy(() -> JobRunner.builder().jobTimeout(Duration.ZERO)).hasMessageContaining("jobTimeout");
    assertThatThrownBy(() -> JobRunner.builder().maxBodyBytes(10)).hasMessageContaining("maxBodyBytes");
    assertThatThrownBy(() -> JobRunnerHttpServer.builder(JobRunner.builder().build()).route("no-slash"))
        .hasMessageContaining("route");
  }

  /** Copies what is written to both streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
