package org.eventrelayer.cli.internal;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Streams purge URLs from a file or standard input, one per line: blank lines and {@code #} comments are skipped,
 * anything after a tab is ignored (so a failed-URL file can be fed back as it is), and gzip is read as such (a
 * {@code .gz} file, or standard input starting with gzip's magic bytes). Memory stays flat for any input: a line
 * longer than {@link #MAX_LINE} characters is cut there (the relayer then refuses it as too long).
 */
public final class UrlReader implements Closeable {

  /** Longest line kept; the schema's URL limit is 8192, so anything cut here is refused anyway. */
  public static final int MAX_LINE = 16 * 1024;

  private final Reader in;
  private final CountingStream raw;
  private final long totalBytes;
  private final StringBuilder line = new StringBuilder(256);
  private final char[] buf = new char[16 * 1024];
  private int pos;
  private int end;
  private long lineNumber;
  private long skipped;

  private UrlReader(CountingStream raw, InputStream decoded, long totalBytes) {
    this.raw = raw;
    this.in = new InputStreamReader(decoded, StandardCharsets.UTF_8);
    this.totalBytes = totalBytes;
  }

  /**
   * Opens {@code source}: a path, or {@code -} for {@code stdin}.
   *
   * @throws IOException if the file cannot be opened or is not valid gzip
   */
  public static UrlReader open(String source, InputStream stdin) throws IOException {
    boolean isStdin = "-".equals(source);
    Path path = isStdin ? null : Path.of(source);
    CountingStream raw = new CountingStream(isStdin ? stdin : Files.newInputStream(path));
    try {
      BufferedInputStream buffered = new BufferedInputStream(raw, 64 * 1024);
      boolean gzip = isStdin ? startsWithGzipMagic(buffered) : source.endsWith(".gz");
      InputStream decoded = gzip ? new BufferedInputStream(new GZIPInputStream(buffered, 64 * 1024), 64 * 1024)
          : buffered;
      return new UrlReader(raw, decoded, isStdin ? -1 : Files.size(path));
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  private static boolean startsWithGzipMagic(BufferedInputStream in) throws IOException {
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    return b1 == 0x1f && b2 == 0x8b;
  }

  /** The next URL, trimmed, or {@code null} at the end of the input. */
  public String next() throws IOException {
    while (true) {
      line.setLength(0);
      int c = read();
      if (c < 0) {
        return null;
      }
      lineNumber++;
      boolean afterTab = false;
      while (c >= 0 && c != '\n') {
        if (c == '\t') {
          afterTab = true;
        }
        if (!afterTab && line.length() < MAX_LINE) {
          line.append((char) c);
        }
        c = read();
      }
      if (lineNumber == 1 && line.length() > 0 && line.charAt(0) == '\uFEFF') {
        line.deleteCharAt(0); // a byte-order mark, as some editors write
      }
      String url = line.toString().strip();
      if (url.isEmpty() || url.charAt(0) == '#') {
        skipped++;
        continue;
      }
      return url;
    }
  }

  private int read() throws IOException {
    if (pos == end) {
      end = in.read(buf, 0, buf.length);
      pos = 0;
      if (end <= 0) {
        end = 0;
        return -1;
      }
    }
    return buf[pos++];
  }

  /** The number of the line {@link #next()} last returned (1-based), counting skipped lines. */
  public long lineNumber() {
    return lineNumber;
  }

  /** How many blank and comment lines were skipped so far. */
  public long skipped() {
    return skipped;
  }

  /** Bytes of the file (compressed, for gzip) consumed so far; with {@link #totalBytes()}, the progress. */
  public long bytesRead() {
    return raw.count;
  }

  /** The file's size in bytes, or -1 for standard input. */
  public long totalBytes() {
    return totalBytes;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Counts the bytes taken from the underlying stream (read by the reading thread only). */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skippedBytes = super.skip(n);
      count += skippedBytes;
      return skippedBytes;
    }
  }
}
