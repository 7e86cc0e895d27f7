package org.eventrelayer.benchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lean EventGate-style intake on 127.0.0.1 for the benchmarks: HTTP/1.1 with keep-alive on plain blocking
 * sockets (one thread per connection), that parses every body with Jackson's streaming parser, checks each event
 * has a non-empty {@code $schema}, {@code meta.stream} and {@code meta.dt}, and counts. Answers {@code 201} with an
 * empty body when every event is valid, {@code 400} with an empty body otherwise (counted as invalid).
 *
 * <p>Why not the examples' {@code LocalEventGate}: it builds a JSON tree per request on the JDK's HttpServer, which on
 * two cores makes the server, not the client, the bottleneck of an end-to-end comparison. Both sides of every
 * comparison use the same intake.
 */
public final class CountingIntake implements AutoCloseable {

  public static final String PATH = "/v1/events";
  private static final int MAX_BODY = 64 * 1024 * 1024;
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] CREATED =
      "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BAD_REQUEST =
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NOT_FOUND =
      "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LENGTH_REQUIRED =
      "HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final LongAdder events = new LongAdder();
  private final LongAdder invalid = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder connectionsOpened = new LongAdder();
  private final LongAccumulator maxBatch = new LongAccumulator(Math::max, 0);
  private final LongAccumulator minBatch = new LongAccumulator(Math::min, Long.MAX_VALUE);
  private final java.util.concurrent.atomic.AtomicLong firstAnswerNanos = new java.util.concurrent.atomic.AtomicLong();
  private volatile long lastAnswerNanos;
  private volatile boolean closed;
  private volatile long answerDelayNanos; // an intake that takes this long per request (validation, storage)

  private CountingIntake(ServerSocket server) {
    this.server = server;
    int seq = SEQ.incrementAndGet();
    this.acceptor = new Thread(this::accept, "counting-intake-" + seq + "-acceptor");
    this.acceptor.setDaemon(true);
  }

  /** Starts an intake on a free port of 127.0.0.1. */
  public static CountingIntake start() throws IOException {
    ServerSocket s = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    CountingIntake intake = new CountingIntake(s);
    intake.acceptor.start();
    return intake;
  }

  /**
   * Makes every later answer wait {@code delay} after its body was read and counted, as an intake that takes that
   * long per request (each connection waits on its own, so parallel requests overlap their waits).
   */
  public void answerDelay(java.time.Duration delay) {
    answerDelayNanos = delay.toNanos();
  }

  /** {@code http://127.0.0.1:<port>/v1/events}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + PATH);
  }

  /** Valid events received. */
  public long events() {
    return events.sum();
  }

  /** Invalid events received (never expected in a benchmark). */
  public long invalid() {
    return invalid.sum();
  }

  /** Requests answered. */
  public long requests() {
    return requests.sum();
  }

  /** Body bytes received. */
  public long bytes() {
    return bytes.sum();
  }

  /** TCP connections accepted. */
  public long connectionsOpened() {
    return connectionsOpened.sum();
  }

  /** The most events in one request since the last reset. */
  public long maxBatch() {
    return maxBatch.get();
  }

  /** The fewest events in one request since the last reset (0 if none). */
  public long minBatch() {
    long m = minBatch.get();
    return m == Long.MAX_VALUE ? 0 : m;
  }

  /** {@link System#nanoTime()} when the first request since the last reset was answered (0: none yet). */
  public long firstAnswerNanos() {
    return firstAnswerNanos.get();
  }

  /** {@link System#nanoTime()} when the last request was answered. */
  public long lastAnswerNanos() {
    return lastAnswerNanos;
  }

  /** Zeroes the counters (between the phases of a run; call while no request is in progress). */
  public void reset() {
    events.reset();
    invalid.reset();
    requests.reset();
    bytes.reset();
    connectionsOpened.reset();
    maxBatch.reset();
    minBatch.reset();
    firstAnswerNanos.set(0);
    lastAnswerNanos = 0;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : connections) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void accept() {
    int n = 0;
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      connectionsOpened.increment();
      connections.add(s);
      Thread t = new Thread(() -> serve(s), acceptor.getName().replace("acceptor", "conn-" + (++n)));
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      OutputStream out = socket.getOutputStream();
      byte[] body = new byte[1 << 20];
      StringBuilder line = new StringBuilder(256);
      while (!closed) {
        String requestLine = readLine(in, line);
        if (requestLine == null) {
          return;
        }
        if (requestLine.isEmpty()) {
          continue;
        }
        long length = -1;
        boolean close = false;
        boolean chunked = false;
        for (String h = readLine(in, line); ; h = readLine(in, line)) {
          if (h == null) {
            return;
          }
          if (h.isEmpty()) {
            break;
          }
          int colon = h.indexOf(':');
          if (colon <= 0) {
            continue;
          }
          String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = h.substring(colon + 1).trim();
          switch (name) {
            case "content-length" -> length = Long.parseLong(value);
            case "connection" -> close = value.equalsIgnoreCase("close");
            case "transfer-encoding" -> chunked = !value.equalsIgnoreCase("identity");
            default -> { }
          }
        }
        if (chunked || length < 0 || length > MAX_BODY) {
          out.write(LENGTH_REQUIRED);
          out.flush();
          return;
        }
        int len = (int) length;
        if (body.length < len) {
          body = new byte[Math.max(len, body.length * 2)];
        }
        readFully(in, body, len);
        bytes.add(len);
        String[] parts = requestLine.split(" ");
        byte[] answer;
        if (parts.length < 2 || !"POST".equals(parts[0]) || !parts[1].startsWith(PATH)) {
          answer = NOT_FOUND;
        } else {
          answer = count(body, len) ? CREATED : BAD_REQUEST;
        }
        requests.increment();
        long delay = answerDelayNanos;
        if (delay > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(delay); // a slow intake: time spent, not CPU
        }
        out.write(answer);
        out.flush();
        long now = System.nanoTime();
        firstAnswerNanos.compareAndSet(0, now);
        lastAnswerNanos = now;
        if (close) {
          return;
        }
      }
    } catch (IOException e) {
      // client went away, or the intake is closing
    } finally {
      connections.remove(socket);
    }
  }

  /** Parses one body and counts its events; true if every event is valid. */
  private boolean count(byte[] body, int len) {
    int valid = 0;
    int bad = 0;
    try (JsonParser p = JSON.createParser(body, 0, len)) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_ARRAY) {
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (t == null) {
            throw new IOException("truncated array");
          }
          if (t == JsonToken.START_OBJECT && validEvent(p)) {
            valid++;
          } else {
            p.skipChildren();
            bad++;
          }
        }
      } else if (t == JsonToken.START_OBJECT) {
        if (validEvent(p)) {
          valid++;
        } else {
          bad++;
        }
      } else {
        bad++;
      }
    } catch (IOException e) {
      bad++;
    }
    events.add(valid);
    invalid.add(bad);
    int n = valid + bad;
    maxBatch.accumulate(n);
    minBatch.accumulate(n);
    return bad == 0 && valid > 0;
  }

  /** At the START_OBJECT of an event: reads it whole and checks $schema, meta.stream and meta.dt. */
  private static boolean validEvent(JsonParser p) throws IOException {
    boolean schema = false;
    boolean stream = false;
    boolean dt = false;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      t = p.nextToken();
      if ("$schema".equals(name)) {
        schema = t == JsonToken.VALUE_STRING && p.getTextLength() > 0;
      } else if ("meta".equals(name) && t == JsonToken.START_OBJECT) {
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String m = p.currentName();
          t = p.nextToken();
          if ("stream".equals(m)) {
            stream = t == JsonToken.VALUE_STRING && p.getTextLength() > 0;
          } else if ("dt".equals(m)) {
            dt = t == JsonToken.VALUE_STRING && p.getTextLength() > 0;
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return schema && stream && dt;
  }

  /** An ASCII line without its CR LF; {@code null} at end of stream before any byte. */
  private static String readLine(InputStream in, StringBuilder sb) throws IOException {
    sb.setLength(0);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
          sb.setLength(n - 1);
        }
        return sb.toString();
      }
      if (sb.length() > 16 * 1024) {
        throw new IOException("header line too long");
      }
      sb.append((char) c);
    }
    if (sb.length() == 0) {
      return null;
    }
    throw new EOFException("truncated request head");
  }

  private static void readFully(InputStream in, byte[] buf, int len) throws IOException {
    int off = 0;
    while (off < len) {
      int n = in.read(buf, off, len - off);
      if (n < 0) {
        throw new EOFException("truncated body");
      }
      off += n;
    }
  }
}
