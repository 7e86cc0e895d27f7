package org.eventrelayer.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.eventrelayer.EventRelayer;
import org.eventrelayer.EventRelayerGroup;

/**
 * The disk a spool holds while it runs: its segment files, and the segment files it has deleted that a mapping of
 * this process still holds (a deleted file keeps its blocks and pages until its last mapping goes; read from
 * {@code /proc/self/maps}, Linux only). With the intake up, {@code --waves} (12) waves of {@code --purges} (500,000)
 * purges, one {@code notify} each, go through a spool of {@code --maxMiB} (512) MiB; after each wave is delivered,
 * prints both sizes. A deleted segment the spool did not unmap would stay until the collector got to its mapping,
 * which, with a heap that rarely fills, can be hours: the held bytes then grow past {@code spool.maxBytes}.
 */
public final class SpoolDiskHarness {

  private SpoolDiskHarness() {}

  public static void main(String[] argv) throws Exception {
    Bench.quietLogs();
    Map<String, String> args = Bench.args(argv);
    int waves = Bench.intArg(args, "waves", 12);
    int purges = Bench.intArg(args, "purges", 500_000);
    int maxMiB = Bench.intArg(args, "maxMiB", 512);
    Path dir = Files.createTempDirectory("spool-disk");
    try (CountingIntake intake = CountingIntake.start()) {
      Map<String, Object> service = new LinkedHashMap<>();
      service.put("type", "http");
      service.put("url", intake.url().toString());
      service.put("spoolDir", dir.toString());
      service.put("spool.maxBytes", maxMiB + "MiB");
      try (EventRelayerGroup group = Bench.purgeGroup("eventgate", service)) {
        EventRelayer relayer = group.getRelayer(PurgeEvents.CHANNEL);
        for (int wave = 1; wave <= waves; wave++) {
          for (int i = 0; i < purges; i++) {
            relayer.notify(PurgeEvents.CHANNEL, Map.of("url", "https://en.example.org/wiki/P_" + wave + "_" + i));
          }
          if (!group.flush(Duration.ofMinutes(2))) {
            throw new IllegalStateException("wave " + wave + " not delivered in 2 minutes: " + intake.events());
          }
          System.out.printf("wave %2d: delivered %,d; segment files %,d MiB; deleted segments still mapped %,d MiB%n",
              wave, intake.events(), segmentBytes(dir) >> 20, deletedMappedBytes(dir) >> 20);
        }
      }
    } finally {
      Bench.deleteTree(dir);
    }
  }

  /** Bytes of the segment files under {@code dir}. */
  private static long segmentBytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** Bytes of this process's mappings of deleted files under {@code dir}. */
  private static long deletedMappedBytes(Path dir) throws IOException {
    String prefix = dir.toRealPath() + "/";
    long sum = 0;
    for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
      if (line.contains(prefix) && line.endsWith("(deleted)")) {
        String[] range = line.substring(0, line.indexOf(' ')).split("-");
        sum += Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
      }
    }
    return sum;
  }
}
