package org.eventrelayer.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a page of the spool costs on this machine, outside the engine: the figures that decide how far spool mode's
 * tail can come to memory mode's (docs/spool.md, "Measurements"). For a file of {@code --mib} (64) in {@code --dir}
 * (the temporary directory; put it where {@code spoolDir} will be), {@code --rounds} (3) times: the µs per 4 KiB
 * page of memory the process never had (a new direct buffer, zeroed: what every new page of the page cache costs
 * before the file system's part; in a virtual machine that hands freed memory back to its host, several µs), of a
 * {@code pwrite} of zeros (the spool's fill), of the first write through a shared mapping to each page
 * (the page fault that the spool's thread or a caller pays), of a second write, and of a write 2 s after that
 * (the cost of a page touched long before the caller gets there); then the p50 and p99 of a
 * 136-byte {@code pwrite} (what appending by system call instead of through a mapping would cost a caller).
 *
 * <p>{@code java -cp "$LIB" org.eventrelayer.benchmarks.PageCostProbe [--dir /var/spool/x] [--out file.json]}.
 */
public final class PageCostProbe {

  private static final int PAGE = 4096;
  private static final int RECORD = 136;
  private static final int PAUSE_SECONDS = 2;

  private PageCostProbe() {}

  public static void main(String[] argv) throws IOException {
    Map<String, String> args = Bench.args(argv);
    Path dir = Path.of(args.getOrDefault("dir", System.getProperty("java.io.tmpdir")));
    int bytes = Bench.intArg(args, "mib", 64) << 20;
    int rounds = Bench.intArg(args, "rounds", 3);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("probe", "page-cost");
    out.put("dir", dir.toString());
    out.put("environment", Bench.spoolEnvironment());
    for (int round = 1; round <= rounds; round++) {
      Path file = Files.createTempFile(dir, "page-cost", ".seg");
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        double fresh = perPage(freshMemory(bytes), bytes);
        double fill = perPage(fill(ch, bytes), bytes);
        MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
        double first = perPage(writeEveryPage(map, 0), bytes);
        double second = perPage(writeEveryPage(map, 8), bytes);
        double aged = perPage(writeAfterAPause(map, 16), bytes);
        double other = perPage(writeAfterAnotherThread(ch, bytes), bytes);
        long[] pwrite = smallWrites(ch, bytes);
        System.out.printf("round %d: fresh memory %.2f µs/page; fill %.2f µs/page; first write through the mapping"
            + " %.2f µs/page, second %.3f, again %d s later %.3f, first by a thread after another thread's %.3f;"
            + " %d-byte pwrite p50 %,d ns p99 %,d ns%n",
            round, fresh, fill, first, second, PAUSE_SECONDS, aged, other, RECORD, pwrite[0], pwrite[1]);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("freshMemoryMicrosPerPage", fresh);
        r.put("fillMicrosPerPage", fill);
        r.put("firstWriteMicrosPerPage", first);
        r.put("secondWriteMicrosPerPage", second);
        r.put("writeAfterPauseMicrosPerPage", aged);
        r.put("writeAfterAnotherThreadMicrosPerPage", other);
        r.put("smallPwriteP50Nanos", pwrite[0]);
        r.put("smallPwriteP99Nanos", pwrite[1]);
        out.put("round" + round, r);
      } finally {
        Files.deleteIfExists(file);
      }
    }
    if (args.containsKey("out")) {
      Bench.writeJson(args.get("out"), out);
    }
  }

  private static double perPage(long nanos, int bytes) {
    return nanos / 1e3 / (bytes / PAGE);
  }

  /** Writes zeros over the file, 1 MiB a call, as {@code Segment.fill} does; the nanoseconds it took. */
  private static long fill(FileChannel ch, int bytes) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
    long start = System.nanoTime();
    for (long at = 0; at < bytes; ) {
      zeros.clear();
      at += ch.write(zeros, at);
    }
    return System.nanoTime() - start;
  }

  /** Writes a long at {@code offset} of every page of the mapping; the nanoseconds it took. */
  private static long writeEveryPage(MappedByteBuffer map, int offset) {
    long start = System.nanoTime();
    for (int at = 0; at < map.capacity(); at += PAGE) {
      map.putLong(at + offset, 1);
    }
    return System.nanoTime() - start;
  }

  /**
   * Writes every page again {@link #PAUSE_SECONDS} after the last write: near the second write's cost where a page
   * once written stays cheap; several µs where the hypervisor takes pages of a shared file mapping back from the
   * process's page tables over time (seen on Firecracker guests; why the spool's thread touches the pages just ahead
   * of the callers once more, {@code LeadToucher}). The nanoseconds the writes took.
   */
  private static long writeAfterAPause(MappedByteBuffer map, int offset) throws IOException {
    try {
      Thread.sleep(PAUSE_SECONDS * 1000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return writeEveryPage(map, offset);
  }

  /** Nanoseconds to allocate and zero a new direct buffer of {@code bytes}: the first touch of memory, per page. */
  private static long freshMemory(int bytes) {
    long start = System.nanoTime();
    ByteBuffer.allocateDirect(bytes); // malloc'd afresh at this size, and zeroed page by page
    return System.nanoTime() - start;
  }

  /**
   * What the spool's callers pay for a page the spool's thread touched ahead: one thread writes every page of a new
   * mapping of the (filled) file, then keeps its core busy while this thread writes every page again; the
   * nanoseconds this thread took. About the second write's cost if a page's fault is paid once for the process; more
   * where the page tables are per core underneath (a virtual machine shadowing them lazily).
   */
  private static long writeAfterAnotherThread(FileChannel ch, int bytes) throws IOException {
    MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
    CountDownLatch touched = new CountDownLatch(1);
    AtomicBoolean done = new AtomicBoolean();
    Thread toucher = new Thread(() -> {
      writeEveryPage(map, 24);
      touched.countDown();
      while (!done.get()) {
        Thread.onSpinWait(); // holds its core, so the writer below runs on another one
      }
    });
    toucher.start();
    try {
      touched.await();
      return writeEveryPage(map, 32);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      done.set(true);
      joinQuietly(toucher);
    }
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A million {@code pwrite}s of one record each, one after the other in the file: p50 and p99 in nanoseconds. */
  private static long[] smallWrites(FileChannel ch, int bytes) throws IOException {
    ByteBuffer record = ByteBuffer.allocateDirect(RECORD);
    long[] nanos = new long[1_000_000];
    long at = 0;
    for (int i = 0; i < nanos.length; i++) {
      record.clear();
      long start = System.nanoTime();
      ch.write(record, at);
      nanos[i] = System.nanoTime() - start;
      at = at + 2 * RECORD > bytes ? 0 : at + RECORD;
    }
    Arrays.sort(nanos);
    return new long[] {nanos[nanos.length / 2], nanos[nanos.length * 99 / 100]};
  }
}
