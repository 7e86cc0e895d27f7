package org.eventrelayer.cdn;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import okhttp3.Headers;

/**
 * One persistent HTTP/1.1 connection to a cache with requests pipelined on it: a batch's requests are written
 * back to back in one go, and a reader thread matches the answers to them in order (HTTP/1.1 answers in request
 * order). Varnish reads pipelined requests one after the other from its session buffer, so a few such connections
 * carry tens of thousands of purges a second at a few microseconds of our CPU each, where one request per round
 * trip costs a thread hand-off and two system calls per purge.
 *
 * <p>Any failure (refused, reset, an answer that cannot be parsed, no answer within {@code timeout}) fails every
 * request still waiting on the connection with that exception, and the next {@link #send} opens a new one. A
 * connection idle longer than {@code keepAlive} is replaced before use, so we rarely write into one the cache is
 * closing. {@link #send} is called by one thread at a time (the engine's worker), so requests are written in the
 * order they wait for their answers; the connection's reader thread answers them. The write happens outside this
 * object's lock, so a reader draining answers is never blocked behind a writer waiting for the socket.
 */
final class PipelinedConnection implements AutoCloseable {

  /** A request ready to write and what to do with its answer (called on the reader thread, or the writer's). */
  record Pending(byte[] request, Consumer<CallGroup.Answer> onAnswer) {}

  private final String host;
  private final int port;
  private final String threadName;
  private final Duration timeout;
  private final Duration connectTimeout;
  private final long keepAliveNanos;
  private Session session; // guarded by this
  private boolean closed; // guarded by this

  PipelinedConnection(String host, int port, String threadName, Duration timeout, Duration connectTimeout,
      Duration keepAlive) {
    this.host = host;
    this.port = port;
    this.threadName = threadName;
    this.timeout = timeout;
    this.connectTimeout = connectTimeout;
    this.keepAliveNanos = keepAlive.toNanos();
  }

  /**
   * Writes {@code requests} on the connection (opening it if needed); their answers come on the reader thread.
   *
   * @return {@code null}, or the failure to connect (the requests were failed with it): the caller may spare the
   *     host's other connections the same wait
   */
  IOException send(List<Pending> requests) {
    if (requests.isEmpty()) {
      return null;
    }
    Session s;
    synchronized (this) {
      if (closed) {
        fail(requests, new IOException("connection to cache " + host + ":" + port + " closed"));
        return null;
      }
      s = session;
      if (s == null || s.dead || System.nanoTime() - s.lastUsed > keepAliveNanos) {
        if (s != null) {
          s.kill(new IOException("replaced after " + Duration.ofNanos(keepAliveNanos).toMillis() + " ms idle"));
        }
        try {
          s = new Session();
        } catch (IOException e) {
          fail(requests, e);
          return e;
        }
        session = s;
      }
      s.lastUsed = System.nanoTime();
      s.enqueue(requests);
    }
    s.write(requests);
    return null;
  }

  /** Answers each of {@code requests} with the failure {@code e}. */
  static void fail(List<Pending> requests, IOException e) {
    CallGroup.Answer failed = new CallGroup.Answer(0, null, Headers.EMPTY, null, e, Instant.now());
    for (Pending p : requests) {
      p.onAnswer().accept(failed);
    }
  }

  /** Fails what waits and closes the connection; later sends fail at once. */
  @Override
  public void close() {
    Session s;
    synchronized (this) {
      closed = true;
      s = session;
      session = null;
    }
    if (s != null) {
      s.kill(new IOException("connection to cache " + host + ":" + port + " closed"));
      try {
        s.reader.join(2_000); // nothing of ours outlives close()
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One socket: its writer side, its waiting requests and its reader thread. */
  private final class Session implements Runnable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>(); // guarded by PipelinedConnection.this
    private final ArrayDeque<Long> sentAt = new ArrayDeque<>(); // guarded by PipelinedConnection.this
    private final Object writeLock = new Object();
    private final Thread reader;
    private volatile boolean dead;
    private long lastUsed = System.nanoTime(); // guarded by PipelinedConnection.this
    // The reader thread's own parsing state. Its buffer is its own: answers are parsed a byte at a time, and a
    // lock per byte (BufferedInputStream's read()) would cost more than the parsing.
    private final byte[] buffer = new byte[64 * 1024];
    private int pos;
    private int limit;
    private final StringBuilder lineBuffer = new StringBuilder(128);
    private boolean closeAfter; // the answer being read ends the connection

    Session() throws IOException {
      socket = new Socket();
      try {
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis() / 4)));
        out = socket.getOutputStream();
        in = socket.getInputStream();
      } catch (IOException e) {
        socket.close();
        throw new java.net.ConnectException("cannot connect to " + host + ":" + port + " (" + e.getMessage() + ")");
      }
      reader = new Thread(this, threadName);
      reader.setDaemon(true);
      reader.start();
    }

    /** Called under the connection's lock, before writing, so an answer always finds its request. */
    void enqueue(List<Pending> requests) {
      long now = System.nanoTime();
      for (Pending p : requests) {
        waiting.add(p);
        sentAt.add(now);
      }
    }

    void write(List<Pending> requests) {
      int size = 0;
      for (Pending p : requests) {
        size += p.request().length;
      }
      byte[] all = new byte[size];
      int at = 0;
      for (Pending p : requests) {
        System.arraycopy(p.request(), 0, all, at, p.request().length);
        at += p.request().length;
      }
      try {
        synchronized (writeLock) {
          out.write(all);
          out.flush();
        }
      } catch (IOException e) {
        kill(e);
      }
    }

    /** Closes the socket and fails every waiting request (each exactly once). */
    void kill(IOException cause) {
      List<Pending> failed;
      synchronized (PipelinedConnection.this) {
        dead = true;
        failed = List.copyOf(waiting);
        waiting.clear();
        sentAt.clear();
      }
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      fail(failed, cause);
    }

    @Override
    public void run() {
      try {
        while (!dead) {
          CallGroup.Answer answer;
          try {
            answer = readAnswer();
          } catch (SocketTimeoutException idle) {
            checkOverdue();
            continue;
          }
          if (answer == null) {
            continue; // an interim 1xx answer
          }
          Pending p;
          synchronized (PipelinedConnection.this) {
            p = waiting.poll();
            sentAt.poll();
          }
          if (p == null) {
            throw new IOException("cache " + host + ":" + port + " answered a request that was not sent");
          }
          p.onAnswer().accept(answer);
          if (closeAfter) {
            throw new EOFException("cache " + host + ":" + port + " closed the connection (Connection: close)");
          }
        }
      } catch (IOException e) {
        kill(e instanceof EOFException ? e : new IOException("connection to cache " + host + ":" + port
            + " failed: " + e.getMessage(), e));
      } catch (RuntimeException e) {
        kill(new IOException("connection to cache " + host + ":" + port + " failed: " + e, e));
      }
    }

    private void checkOverdue() throws SocketTimeoutException {
      Long oldest;
      synchronized (PipelinedConnection.this) {
        oldest = sentAt.peek();
      }
      if (oldest != null && System.nanoTime() - oldest > timeout.toNanos()) {
        throw new SocketTimeoutException("no answer from cache " + host + ":" + port + " within "
            + timeout.toMillis() + " ms (timeout)");
      }
    }

    /** Reads one answer; {@code null} for an interim (1xx) one. */
    private CallGroup.Answer readAnswer() throws IOException {
      String status = line(true);
      if (!status.startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x answer: " + shorten(status));
      }
      int sp = status.indexOf(' ');
      int sp2 = status.indexOf(' ', sp + 1);
      int code;
      try {
        code = Integer.parseInt(status.substring(sp + 1, sp2 < 0 ? status.length() : sp2));
      } catch (RuntimeException e) {
        throw new IOException("bad status line: " + shorten(status));
      }
      String message = sp2 < 0 ? "" : status.substring(sp2 + 1);
      long length = -1;
      boolean chunked = false;
      String retryAfter = null;
      closeAfter = status.startsWith("HTTP/1.0");
      for (String h = line(false); !h.isEmpty(); h = line(false)) {
        int colon = h.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = h.substring(colon + 1).trim();
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          case "connection" -> closeAfter = value.equalsIgnoreCase("close")
              || (closeAfter && !value.equalsIgnoreCase("keep-alive"));
          case "retry-after" -> retryAfter = value;
          default -> { }
        }
      }
      if (code >= 100 && code < 200) {
        return null;
      }
      if (chunked) {
        skipChunked();
      } else if (length >= 0) {
        skip(length);
      } else if (code != 204 && code != 304) {
        closeAfter = true; // the body ends with the connection: nothing more can be read from it
      }
      Headers headers = retryAfter == null ? Headers.EMPTY : Headers.of("Retry-After", retryAfter);
      return new CallGroup.Answer(code, message, headers, null, null, Instant.now());
    }

    private void skipChunked() throws IOException {
      while (true) {
        String size = line(false);
        int semi = size.indexOf(';');
        long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        if (n == 0) {
          while (!line(false).isEmpty()) {
            // trailers
          }
          return;
        }
        skip(n);
        line(false); // the CRLF after the chunk
      }
    }

    private void skip(long n) throws IOException {
      while (n > 0) {
        if (pos == limit && !fill()) {
          throw new EOFException("cache " + host + ":" + port + " closed the connection in an answer");
        }
        int k = (int) Math.min(n, limit - pos);
        pos += k;
        n -= k;
      }
    }

    /** Reads more bytes into the empty buffer; {@code false} at the end of the stream. */
    private boolean fill() throws IOException {
      int n = in.read(buffer, 0, buffer.length);
      if (n < 0) {
        return false;
      }
      pos = 0;
      limit = n;
      return true;
    }

    /**
     * Reads a line without its CRLF. Only at the start of an answer may the read time out quietly
     * ({@code idleOk}): a timeout in the middle of one is a failure.
     */
    private String line(boolean idleOk) throws IOException {
      lineBuffer.setLength(0);
      while (true) {
        if (pos == limit) {
          boolean more;
          try {
            more = fill();
          } catch (SocketTimeoutException e) {
            if (idleOk && lineBuffer.length() == 0) {
              throw e;
            }
            checkOverdue();
            continue;
          }
          if (!more) {
            throw new EOFException("cache " + host + ":" + port + " closed the connection");
          }
        }
        int b = buffer[pos++] & 0xff;
        if (b == '\n') {
          int len = lineBuffer.length();
          if (len > 0 && lineBuffer.charAt(len - 1) == '\r') {
            lineBuffer.setLength(len - 1);
          }
          return lineBuffer.toString();
        }
        if (lineBuffer.length() > 16 * 1024) {
          throw new IOException("answer line longer than 16 KiB");
        }
        lineBuffer.append((char) b);
      }
    }

    private String shorten(String s) {
      return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
  }

  /** {@code PURGE <path> HTTP/1.1} with {@code Host} and the extra header, as bytes ready to pipeline. */
  static byte[] request(String method, String path, String hostHeader, String extraName, String extraValue) {
    StringBuilder b = new StringBuilder(64 + path.length() * (extraName == null ? 1 : 2) + hostHeader.length());
    b.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(hostHeader)
        .append("\r\nUser-Agent: eventrelayer-varnish\r\n");
    if (extraName != null) {
      b.append(extraName).append(": ").append(extraValue).append("\r\n");
    }
    return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}
