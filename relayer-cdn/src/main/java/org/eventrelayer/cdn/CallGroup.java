package org.eventrelayer.cdn;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Headers;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * The HTTP calls of one batch in flight, each in its own slot. OkHttp's threads fill the slots as answers come
 * (each slot written once, by one thread, before the latch counts down); the engine's worker reads them after
 * {@link #await}. Every response is read (bounded) and closed on OkHttp's thread, so its connection goes back to
 * the pool at once.
 */
final class CallGroup {

  /** One call's answer: a status with headers and (bounded) body, or the failure of the exchange. */
  record Answer(int code, String message, Headers headers, byte[] body, IOException failure, Instant at) {

    boolean failed() {
      return failure != null;
    }

    /** The body as text for reasons, cut short and without control characters. */
    String bodyText(int max) {
      if (body == null || body.length == 0) {
        return "";
      }
      String s = new String(body, 0, Math.min(body.length, max), java.nio.charset.StandardCharsets.UTF_8);
      return s.replaceAll("[\\p{Cntrl}]+", " ").trim();
    }
  }

  private final Answer[] answers;
  private final Call[] calls;
  private final CountDownLatch pending;
  private final long maxBodyBytes;
  private final Consumer<Answer> onAnswer;

  /**
   * @param onAnswer told of each answer on OkHttp's thread as it arrives, before the worker reads it (e.g. to stop
   *     sending at once on a 429); must be thread-safe and quick
   */
  CallGroup(int size, long maxBodyBytes, Consumer<Answer> onAnswer) {
    this.answers = new Answer[size];
    this.calls = new Call[size];
    this.pending = new CountDownLatch(size);
    this.maxBodyBytes = maxBodyBytes;
    this.onAnswer = onAnswer;
  }

  CallGroup(int size, long maxBodyBytes) {
    this(size, maxBodyBytes, a -> { });
  }

  int size() {
    return answers.length;
  }

  /** Enqueues {@code call} into {@code slot}; called once per slot, on the worker. */
  void start(int slot, Call call) {
    calls[slot] = call;
    call.enqueue(new Callback() {
      @Override
      public void onResponse(Call c, Response response) {
        try (response) {
          byte[] body = readBounded(response.body(), maxBodyBytes);
          answers[slot] = new Answer(response.code(), response.message(), response.headers(), body, null,
              Instant.now());
          onAnswer.accept(answers[slot]);
        } catch (IOException e) {
          answers[slot] = new Answer(0, null, Headers.EMPTY, null, e, Instant.now());
        }
        pending.countDown();
      }

      @Override
      public void onFailure(Call c, IOException e) {
        answers[slot] = new Answer(0, null, Headers.EMPTY, null, e, Instant.now());
        pending.countDown();
      }
    });
  }

  /** Fills {@code slot} with an answer that came by other means (a pipelined connection); once per slot. */
  void complete(int slot, Answer answer) {
    answers[slot] = answer;
    onAnswer.accept(answer);
    pending.countDown();
  }

  /** Marks a slot that needs no call (e.g. already done on an earlier attempt). */
  void skip(int slot) {
    pending.countDown();
  }

  /**
   * Waits for every answer, at most {@code timeout} (the calls carry their own, shorter, call timeout, so this
   * bound is a backstop); calls still open then are cancelled and read as timed out.
   *
   * @return the answers by slot; {@code null} for skipped slots
   */
  Answer[] await(Duration timeout) throws InterruptedIOException {
    try {
      if (!pending.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        for (Call c : calls) {
          if (c != null) {
            c.cancel();
          }
        }
        // Cancelled calls fail promptly; their callbacks fill the slots.
        if (!pending.await(1, TimeUnit.SECONDS)) {
          throw new InterruptedIOException("calls still open after " + timeout.toMillis() + " ms");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      for (Call c : calls) {
        if (c != null) {
          c.cancel();
        }
      }
      throw new InterruptedIOException("interrupted: service closing");
    }
    return answers;
  }

  private static byte[] readBounded(ResponseBody body, long max) throws IOException {
    BufferedSource source = body.source();
    if (source.request(max + 1)) {
      return source.getBuffer().readByteArray(max); // longer than max: keep the start, drop the connection
    }
    return source.getBuffer().readByteArray();
  }
}
