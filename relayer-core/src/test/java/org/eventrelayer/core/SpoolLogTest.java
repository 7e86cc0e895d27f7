package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool's storage engine on its own: framing, replay, torn and corrupt data, checkpoints, segment deletion,
 * the lock and file permissions. Crashes are simulated by releasing the log without closing it (nothing is
 * written at "death") and then damaging the files the way a crash or a bad disk would.
 */
class SpoolLogTest {

  private static final long SEGMENT = 1024;

  @TempDir Path dir;

  private static SpoolRecord record(long seq) {
    String json = "{\"meta\":{\"uri\":\"https://en.example.org/wiki/P" + seq + "\",\"id\":\"id-" + seq + "\"}}";
    return new SpoolRecord(seq, 1_700_000_000_000L + seq, "resource-purge", "id-" + seq,
        json.getBytes(StandardCharsets.UTF_8));
  }

  /** Appends records {@code nextSeq .. nextSeq + n - 1} in one call. */
  private static List<SpoolRecord> append(SpoolLog log, int n) throws IOException {
    List<SpoolRecord> rs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rs.add(record(log.nextSeq() + i));
    }
    log.append(rs, new long[n]);
    log.force();
    return rs;
  }

  /** Every record the log recovered on open, read back in order. */
  private static List<SpoolRecord> replay(SpoolLog log) throws IOException {
    List<SpoolRecord> out = new ArrayList<>();
    for (SpoolLog.Pending p : log.recovered()) {
      RecordCursor c = log.cursor(p.segment(), p.start(), p.end());
      SpoolRecord r;
      while ((r = c.next()) != null) {
        out.add(r);
      }
    }
    return out;
  }

  private static List<Long> seqs(List<SpoolRecord> rs) {
    return rs.stream().map(SpoolRecord::seq).toList();
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(SpoolLog.SEGMENT_SUFFIX)).sorted().toList();
    }
  }

  @Test
  void recordsSurviveAReopenIntactAndInOrderAndSequenceNumbersContinue() throws IOException {
    List<SpoolRecord> written = new ArrayList<>();
    try (SpoolLog log = SpoolLog.open(dir, SEGMENT)) {
      assertThat(log.recovered()).isEmpty();
      written.addAll(append(log, 3));
      written.addAll(append(log, 40)); // spans segments
    } // released, not closed: as after a crash
    try (SpoolLog log = SpoolLog.open(dir, SEGMENT)) {
      assertThat(log.recoveredEvents()).isEqualTo(43);
      assertThat(log.corruptRegions()).isZero();
      List<SpoolRecord> read = replay(log);
      assertThat(seqs(read)).containsExactlyElementsOf(seqs(written));
      for (int i = 0; i < read.size(); i++) {
        SpoolRecord a = read.get(i);
        SpoolRecord b = written.get(i);
        assertThat(a.json()).isEqualTo(b.json());
        assertThat(a.id()).isEqualTo(b.id());
        assertThat(a.stream()).isEqualTo(b.stream());
        assertThat(a.acceptedMillis()).isEqualTo(b.acceptedMillis());
      }
      assertThat(log.nextSeq()).isEqualTo(43);
    }
  }

  @Test
  void aTornTailIsSkippedAndCountedAndEverythingBeforeItReplays() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      append(log, 5);
    }
    Path seg = segments().get(0);
    long size = Files.size(seg);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(size - 7); // the last record's write was cut short by the crash
    }
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      assertThat(seqs(replay(log))).containsExactly(0L, 1L, 2L, 3L);
      assertThat(log.corruptRegions()).isEqualTo(1);
      assertThat(log.corruptBytes()).isPositive();
      assertThat(log.nextSeq()).isEqualTo(4); // the torn record was never acknowledged as written
    }
  }

  @Test
  void aFlippedByteFailsTheChecksumOfThatRecordOnlyAndReplayGoesOn() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      append(log, 5);
    }
    Path seg = segments().get(0);
    long third = recordStart(seg, 2);
    flip(seg, third + SpoolRecord.HEADER_BYTES + 30); // inside the payload of record 2
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      assertThat(seqs(replay(log))).containsExactly(0L, 1L, 3L, 4L);
      assertThat(log.corruptRegions()).isEqualTo(1);
    }
  }

  @Test
  void aCorruptLengthFieldIsResyncedPast() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      append(log, 5);
    }
    Path seg = segments().get(0);
    long second = recordStart(seg, 1);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(4).putInt(0, 0x7fff0000), second + 4); // a huge length
    }
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      assertThat(seqs(replay(log))).containsExactly(0L, 2L, 3L, 4L);
      assertThat(log.corruptRegions()).isEqualTo(1);
    }
  }

  /**
   * Every possible crash point and every possible single-byte corruption of a small segment: the cursor never
   * returns a record that was not written, returns every record it can, and never stops early.
   */
  @Test
  void everyTruncationAndEverySingleByteFlipYieldsOnlyIntactRecords() throws IOException {
    List<SpoolRecord> written;
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      written = append(log, 4);
    }
    Path seg = segments().get(0);
    byte[] file = Files.readAllBytes(seg);
    long[] ends = new long[written.size()];
    long at = SpoolLog.SEGMENT_HEADER;
    for (int i = 0; i < written.size(); i++) {
      at += written.get(i).encodedSize();
      ends[i] = at;
    }
    assertThat(at).isEqualTo(file.length);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // A crash cut the file at `cut`: reading up to there is what a reader of the truncated file sees.
      for (int cut = SpoolLog.SEGMENT_HEADER; cut <= file.length; cut++) {
        List<SpoolRecord> read = readAll(ch, cut);
        int whole = 0;
        while (whole < ends.length && ends[whole] <= cut) {
          whole++;
        }
        assertThat(seqs(read)).as("cut at %d", cut).containsExactlyElementsOf(seqs(written.subList(0, whole)));
      }
      for (int pos = SpoolLog.SEGMENT_HEADER; pos < file.length; pos++) {
        ch.write(ByteBuffer.wrap(new byte[] {(byte) (file[pos] ^ 0x5a)}), pos);
        List<SpoolRecord> read = readAll(ch, file.length);
        ch.write(ByteBuffer.wrap(new byte[] {file[pos]}), pos);
        int hit = 0;
        while (ends[hit] <= pos) {
          hit++;
        }
        List<Long> expected = new ArrayList<>(seqs(written));
        expected.remove(hit);
        assertThat(seqs(read)).as("flip at %d", pos).containsExactlyElementsOf(expected);
        for (SpoolRecord r : read) {
          assertThat(r.json()).isEqualTo(written.get((int) r.seq()).json());
        }
      }
    }
  }

  private static List<SpoolRecord> readAll(FileChannel ch, long end) throws IOException {
    RecordCursor c = new RecordCursor(ch, SpoolLog.SEGMENT_HEADER, end);
    List<SpoolRecord> out = new ArrayList<>();
    SpoolRecord r;
    while ((r = c.next()) != null) {
      out.add(r);
    }
    return out;
  }

  @Test
  void aSegmentWithADamagedHeaderIsSkippedWithoutStoppingTheOthers() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, SEGMENT)) {
      for (int i = 0; i < 6; i++) {
        append(log, 10);
      }
    }
    List<Path> segs = segments();
    assertThat(segs.size()).isGreaterThanOrEqualTo(3);
    flip(segs.get(0), 2);
    try (SpoolLog log = SpoolLog.open(dir, SEGMENT)) {
      List<Long> read = seqs(replay(log));
      // The first segment's records are lost; every later one replays, in order.
      assertThat(read).isNotEmpty().doesNotContain(0L);
      assertThat(read).containsExactlyElementsOf(java.util.stream.LongStream.range(read.get(0), 60).boxed().toList());
      assertThat(log.corruptRegions()).isEqualTo(1);
      assertThat(segs.get(0)).doesNotExist(); // deleted: it held nothing intact
    }
  }

  @Test
  void theCheckpointSkipsFinalRecordsAndFullyFinalSegmentsAreDeleted() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, SEGMENT)) {
      for (int i = 0; i < 8; i++) {
        append(log, 10);
      }
      int before = log.segmentCount();
      assertThat(before).isGreaterThanOrEqualTo(4);
      long bytes = log.diskBytes();
      long freed = log.checkpoint(55, new long[0]);
      assertThat(freed).isPositive();
      assertThat(log.diskBytes()).isEqualTo(bytes - freed);
      assertThat(log.segmentCount()).isLessThan(before);
      assertThat(segments()).hasSize(log.segmentCount());
    }
    try (SpoolLog log = SpoolLog.open(dir, SEGMENT)) {
      assertThat(seqs(replay(log))).containsExactlyElementsOf(
          java.util.stream.LongStream.range(55, 80).boxed().toList());
      assertThat(log.nextSeq()).isEqualTo(80);
    }
  }

  @Test
  void closingWithEverythingFinalLeavesNoSegmentAndSequenceNumbersStillContinue() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, SEGMENT)) {
      append(log, 30);
      log.close(30, new long[0]);
    }
    assertThat(segments()).isEmpty();
    try (SpoolLog log = SpoolLog.open(dir, SEGMENT)) {
      assertThat(log.recovered()).isEmpty();
      assertThat(log.nextSeq()).isEqualTo(30);
    }
  }

  @Test
  void aTornCheckpointWriteFallsBackToThePreviousOne() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      append(log, 10);
      log.checkpoint(3, new long[] {5});
      log.checkpoint(7, new long[0]); // the newer slot
    }
    Path cp = dir.resolve(SpoolLog.CHECKPOINT_FILE);
    // Counter 2 went to slot 0; damage it as a torn write would.
    flip(cp, 20);
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      assertThat(log.watermark()).isEqualTo(3);
      assertThat(log.isRecoveredFinal(5)).isTrue();
      assertThat(log.recoveredEvents()).isEqualTo(6); // 3..9 but 5
    }
  }

  @Test
  void finalRecordsAboveTheWatermarkAreNotCountedAsPending() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      append(log, 10);
      log.checkpoint(2, new long[] {4, 5, 9});
    }
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      assertThat(log.watermark()).isEqualTo(2);
      assertThat(log.recoveredEvents()).isEqualTo(5); // 2, 3, 6, 7, 8
      assertThat(log.recovered()).singleElement().satisfies(p -> assertThat(p.count()).isEqualTo(5));
      List<Long> pending = seqs(replay(log)).stream().filter(q -> !log.isRecoveredFinal(q)).toList();
      assertThat(pending).containsExactly(2L, 3L, 6L, 7L, 8L);
      assertThat(log.nextSeq()).isEqualTo(10);
    }
  }

  @Test
  void aSecondOpenOfTheSameDirectoryFailsFastWhileTheFirstHoldsIt() throws IOException {
    try (SpoolLog first = SpoolLog.open(dir, SEGMENT)) {
      append(first, 2);
      assertThatThrownBy(() -> SpoolLog.open(dir, SEGMENT))
          .isInstanceOf(SpoolLog.LockedException.class)
          .hasMessageContaining("in use by another relayer")
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
    }
    try (SpoolLog again = SpoolLog.open(dir, SEGMENT)) { // released: usable again
      assertThat(again.recoveredEvents()).isEqualTo(2);
    }
  }

  /**
   * Closing any channel on a file drops every POSIX lock the process holds on it, so a refused second open in the
   * same JVM must not have opened the lock file at all: another process must still find it locked.
   */
  @Test
  void aRefusedSecondOpenInThisJvmLeavesTheLockHeldAgainstOtherProcesses() throws Exception {
    Files.createDirectories(dir.resolve("x"));
    try (SpoolLog first = SpoolLog.open(dir, SEGMENT)) {
      append(first, 1);
      assertThatThrownBy(() -> SpoolLog.open(dir, SEGMENT)).isInstanceOf(SpoolLog.LockedException.class);
      assertThatThrownBy(() -> SpoolLog.open(dir.resolve(".").resolve("x/.."), SEGMENT))
          .isInstanceOf(SpoolLog.LockedException.class); // the same directory by another name
      assertThat(probe()).startsWith("LOCKED ").contains("pid " + ProcessHandle.current().pid());
    }
    assertThat(probe()).isEqualTo("OPENED 1");
  }

  private String probe() throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        SpoolLockProbe.class.getName(), dir.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    return out;
  }

  @Test
  void filesAndTheDirectoryAreOwnerOnly() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path spool = dir.resolve("a/b/spool");
    try (SpoolLog log = SpoolLog.open(spool, SEGMENT)) {
      append(log, 20);
      try (Stream<Path> files = Files.list(spool)) {
        List<Path> all = files.toList();
        assertThat(all).extracting(p -> p.getFileName().toString())
            .contains(SpoolLog.LOCK_FILE, SpoolLog.CHECKPOINT_FILE);
        for (Path p : all) {
          assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString())
              .isEqualTo("rw-------");
        }
      }
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spool))).isEqualTo("rwx------");
    }
  }

  @Test
  void aFailedAppendLeavesNothingBehindAndCanBeRetried() throws IOException {
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      append(log, 2);
      long size = log.diskBytes();
      List<SpoolRecord> wrongSeq = List.of(record(log.nextSeq() + 5));
      assertThatThrownBy(() -> log.append(wrongSeq, new long[1])).isInstanceOf(IllegalArgumentException.class);
      assertThat(log.diskBytes()).isEqualTo(size);
      assertThat(Files.size(log.active().path)).isEqualTo(log.active().size);
      append(log, 1);
    }
    try (SpoolLog log = SpoolLog.open(dir, 1 << 20)) {
      assertThat(seqs(replay(log))).containsExactly(0L, 1L, 2L);
      assertThat(log.corruptRegions()).isZero();
    }
  }

  private static long recordStart(Path seg, int index) throws IOException {
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ)) {
      long at = SpoolLog.SEGMENT_HEADER;
      for (int i = 0; i < index; i++) {
        ByteBuffer len = ByteBuffer.allocate(4);
        ch.read(len, at + 4);
        at += SpoolRecord.HEADER_BYTES + len.getInt(0);
      }
      return at;
    }
  }

  private static void flip(Path file, long pos) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, pos);
      b.put(0, (byte) (b.get(0) ^ 0x5a)).position(0);
      ch.write(b, pos);
    }
  }
}
