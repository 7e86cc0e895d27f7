package org.eventrelayer.core.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.eventrelayer.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof of "accepted means durable": a host JVM appends as fast as it can, never forcing or closing, and is
 * killed with SIGKILL; every record whose {@code append} had returned is read back by the next open.
 */
class MappedSpoolCrashTest {

  private static final int N = 20_000;

  @TempDir Path tmp;

  @Test
  void oneThreadKilledTheMomentTheLastAppendReturned() throws Exception {
    Map<Integer, Long> acked = burstAndKill(1, N, -1);
    assertThat(acked).containsEntry(0, (long) N);
    assertEveryAckedRecordRecovered(acked, 0);
  }

  @Test
  void eightThreadsKilledTheMomentTheLastAppendReturned() throws Exception {
    Map<Integer, Long> acked = burstAndKill(8, N / 8, -1);
    assertThat(acked.values()).containsOnly((long) N / 8);
    assertEveryAckedRecordRecovered(acked, 0);
  }

  @Test
  void eightThreadsKilledAtARandomPointMidBurst() throws Exception {
    long killAt = ThreadLocalRandom.current().nextLong(N, 10 * N);
    Map<Integer, Long> acked = burstAndKill(8, 0, killAt);
    assertThat(acked.values().stream().mapToLong(Long::longValue).sum()).isGreaterThanOrEqualTo(killAt);
    assertEveryAckedRecordRecovered(acked, 8); // at most one append per thread was in progress
  }

  /**
   * Runs the host; kills it once it printed DONE ({@code killAt < 0}) or once {@code killAt} appends returned.
   *
   * @return per thread, how many appends had returned as the host last reported
   */
  private Map<Integer, Long> burstAndKill(int threads, long count, long killAt) throws Exception {
    Path dir = tmp.resolve("spool");
    ChildJvm host = ChildJvm.start(MappedSpoolHost.class, tmp.resolve("host.err"), "burst", dir.toString(),
        Integer.toString(threads), Long.toString(count));
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> !host.isAlive()
          || (killAt < 0 ? host.lastLine("DONE").isPresent() || host.lines().contains("DONE")
              : acked(host).values().stream().mapToLong(Long::longValue).sum() >= killAt));
      host.kill();
    } finally {
      host.process().destroyForcibly();
    }
    assertThat(host.lines()).noneMatch(l -> l.startsWith("END") && !l.endsWith("count"));
    return acked(host);
  }

  private static Map<Integer, Long> acked(ChildJvm host) {
    Map<Integer, Long> out = new HashMap<>();
    for (String line : host.lines()) {
      if (line.startsWith("ACK ")) {
        String[] f = line.split(" ");
        out.merge(Integer.parseInt(f[1]), Long.parseLong(f[2]), Math::max);
      }
    }
    return out;
  }

  private void assertEveryAckedRecordRecovered(Map<Integer, Long> acked, long maxUnpublished) throws Exception {
    Set<String> found = new HashSet<>();
    long lastSeq = -1;
    try (MappedSpool spool = MappedSpool.open(tmp.resolve("spool"), MappedSpoolHost.settings())) {
      RecoveryReport report = spool.recovery();
      assertThat(report.lost()).as(report.describe()).isZero();
      assertThat(report.damagedStretches()).as(report.describe()).isZero();
      assertThat(report.unpublished()).as(report.describe()).isLessThanOrEqualTo(maxUnpublished);
      SpooledRecord r;
      while ((r = spool.reader().next()) != null) {
        assertThat(r.replayed()).isTrue();
        assertThat(r.seq()).isGreaterThan(lastSeq);
        lastSeq = r.seq();
        String s = new String(r.payload(), StandardCharsets.UTF_8);
        String[] f = s.split(":", 3);
        assertThat(r.payload()).isEqualTo(MappedSpoolHost.payload(Integer.parseInt(f[0]), Long.parseLong(f[1])));
        assertThat(found.add(f[0] + ":" + f[1])).as("read once: %s", s).isTrue();
      }
      assertThat((long) found.size()).isEqualTo(report.replayable());
    }
    for (Map.Entry<Integer, Long> e : acked.entrySet()) {
      for (long i = 0; i < e.getValue(); i++) {
        if (!found.contains(e.getKey() + ":" + i)) {
          throw new AssertionError("record " + i + " of thread " + e.getKey() + " was acknowledged and is lost; "
              + found.size() + " records recovered");
        }
      }
    }
  }
}
