package org.eventrelayer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof: a million URLs from a gzipped file, through the real command in-process and the real HTTP
 * transport, to an intake that counts every URL: each delivered exactly once, exit 0, and the heap flat while it
 * runs (the surefire JVM has -Xmx512m; the bound below is generous for 2 busy cores).
 */
class PurgeMillionTest {

  private static final int N = 1_000_000;
  private static final long MIB = 1024 * 1024;

  @TempDir
  Path dir;

  /** One heap measurement: live heap after a full collection, and how far the run had come. */
  private record Sample(long taken, long liveBytes) {}

  @Test
  void aMillionUrlsFromAGzippedFileAreDeliveredExactlyOnceWithAFlatHeap() throws Exception {
    Path urls = Cli.urls(dir.resolve("urls.txt.gz"), N);
    try (CountingIntake intake = new CountingIntake(N)) {
      Path config = Cli.config(dir, intake.url(), "eventServices.eventgate.maxBatchEvents=5000");
      List<Sample> samples = new CopyOnWriteArrayList<>();
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleWithFixedDelay(() -> {
        long live = liveSet();
        if (live >= 0) {
          samples.add(new Sample(intake.taken(), live));
        }
      }, 500, 500, TimeUnit.MILLISECONDS); // often enough for 3 samples on a fast run (a warm run takes ~8 s)

      Cli.Run run;
      try {
        run = new Cli().run("purge", "--config", config.toString(), "--progress-interval", "5s", urls.toString());
      } finally {
        sampler.shutdownNow();
        sampler.awaitTermination(10, TimeUnit.SECONDS);
      }

      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(intake.missingAndDuplicated(N)).as("missing, duplicated").containsExactly(0, 0);
      assertThat(intake.taken()).isEqualTo(N);
      assertThat(run.out()).contains("delivered      1,000,000").contains("failed         none");

      // Flat: once the run is under way (a tenth delivered), the live heap no longer grows with the input. Holding
      // every URL read would add about 100 MiB by the end; the window and the queue bound what is held instead.
      List<Sample> underWay = samples.stream().filter(s -> s.taken() >= N / 10).toList();
      System.out.println("heap samples (taken, live MiB): " + samples.stream()
          .map(s -> s.taken() + "=" + s.liveBytes() / MIB).toList());
      assertThat(underWay).as("samples while it ran").hasSizeGreaterThanOrEqualTo(3);
      long first = underWay.get(0).liveBytes();
      long max = underWay.stream().mapToLong(Sample::liveBytes).max().orElseThrow();
      assertThat(max - first).as("live heap growth, bytes").isLessThan(48 * MIB);
      assertThat(max).as("live heap, bytes").isLessThan(160 * MIB);
    }
  }

  /**
   * The live set: the heap each pool held right after a full collection this method asked for, or -1 if another
   * collection kept getting in between. The heap's current use would also count what the running purge allocated
   * since (tens of MiB at a million URLs in seconds); and a young collection between the full one and the reading
   * can put its survivors in the pools' figures (once in CI a sample read 104 MiB between two of 24), so a sample
   * counts only if exactly one collection, the full one, ran.
   */
  private static long liveSet() {
    for (int attempt = 0; attempt < 5; attempt++) {
      long before = collections();
      System.gc(); // a measurement: what is live, not what garbage happens to be uncollected
      long live = poolsAfterLastGc();
      if (collections() == before + 1) {
        return live;
      }
    }
    return -1;
  }

  private static long collections() {
    long n = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionCount());
    }
    return n;
  }

  /** The heap each pool held right after the last collection that updated it. */
  private static long poolsAfterLastGc() {
    long live = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
      if (afterGc != null) {
        live += afterGc.getUsed();
      }
    }
    return live;
  }
}
