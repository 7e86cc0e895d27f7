package org.eventrelayer.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.core.spool.MappedSpool;
import org.eventrelayer.core.spool.Refusal;
import org.eventrelayer.core.spool.SpoolSettings;
import org.eventrelayer.core.spool.SpooledRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What appending one purge-sized record to the memory-mapped spool ({@link MappedSpool}) costs the caller's thread:
 * {@code append} of a prebuilt payload, and {@code encodeAndAppend}, which first encodes the compact record a
 * caller would write for a purge (timestamp, a random id, the URL). Sample mode gives the percentiles; {@code -t 8}
 * eight callers; {@code -bm thrpt} the appends per second.
 *
 * <p>Each iteration gets a fresh spool in a temporary directory (16 MiB segments, the default, and 8 GiB at most) and a consumer
 * thread that reads every record back, marks it final and checkpoints, as the delivery worker would, so segments
 * are deleted while the callers append. The tear-down prints the records appended and every refusal by reason: a
 * refusal is cheaper than an append, so an iteration with refusals did not measure only the accepting path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class SpoolAppendBenchmark {

  private Path dir;
  private MappedSpool spool;
  private Thread consumer;
  private volatile boolean stop;
  private volatile long consumed;

  /** A fresh spool and its consumer. */
  @Setup(Level.Iteration)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("spool-bench");
    spool = MappedSpool.open(dir, SpoolSettings.builder().name("bench").maxBytes(8L << 30)
        .build());
    stop = false;
    consumer = new Thread(this::consume, "spool-bench-consumer");
    consumer.start();
  }

  private void consume() {
    long n = 0;
    while (!stop) {
      SpooledRecord r = spool.reader().next();
      if (r == null) {
        LockSupport.parkNanos(50_000);
        continue;
      }
      spool.markFinal(r.seq());
      if ((++n & 0xFFFF) == 0) {
        try {
          spool.checkpoint();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        consumed = n;
      }
    }
    consumed = n;
  }

  /** Prints what the iteration appended and refused, then removes the spool. */
  @TearDown(Level.Iteration)
  public void tearDown() throws Exception {
    stop = true;
    consumer.join();
    long appended = spool.nextSeq();
    StringBuilder refused = new StringBuilder();
    for (Refusal r : Refusal.values()) {
      if (spool.refused(r) > 0) {
        refused.append(' ').append(r.reason()).append('=').append(spool.refused(r));
      }
    }
    System.out.printf("  [appended %,d, consumed %,d, refused:%s]%n", appended, consumed,
        refused.length() == 0 ? " none" : refused);
    spool.close();
    Bench.deleteTree(dir);
  }

  /** A caller's purges: a pool of URLs, and a buffer to encode the compact record into. */
  @State(Scope.Thread)
  public static class Purges {
    static final int POOL = 1 << 12;
    final byte[][] urls = new byte[POOL][];
    final byte[][] prebuilt = new byte[POOL][];
    int next = (int) (Thread.currentThread().getId() * 7919);

    /** Builds the pools. */
    @Setup
    public void setUp() {
      for (int i = 0; i < POOL; i++) {
        urls[i] = ("https://en.example.org/wiki/Benchmark_page_" + i).getBytes(StandardCharsets.UTF_8);
        prebuilt[i] = encode(urls[i]);
      }
    }

    static byte[] encode(byte[] url) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      ByteBuffer b = ByteBuffer.allocate(8 + 16 + 4 + url.length);
      b.putLong(System.currentTimeMillis()).putLong(random.nextLong()).putLong(random.nextLong());
      b.putInt(url.length).put(url);
      return b.array();
    }
  }

  /** Appends a prebuilt purge record. */
  @Benchmark
  public long append(Purges p) {
    return spool.append(p.prebuilt[p.next++ & (Purges.POOL - 1)]);
  }

  /** Encodes a purge record (timestamp, random 128-bit id, URL) and appends it. */
  @Benchmark
  public long encodeAndAppend(Purges p) {
    return spool.append(Purges.encode(p.urls[p.next++ & (Purges.POOL - 1)]));
  }
}
