package org.eventrelayer.core.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.eventrelayer.core.spool.MappedSpoolTest.appendAccepted;
import static org.eventrelayer.core.spool.MappedSpoolTest.bytes;
import static org.eventrelayer.core.spool.MappedSpoolTest.drain;
import static org.eventrelayer.core.spool.MappedSpoolTest.segmentFiles;
import static org.eventrelayer.core.spool.MappedSpoolTest.small;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage on disk costs exactly what is damaged, every lost record is counted with its reason, and a file holding
 * damaged bytes is moved aside, never deleted.
 */
class MappedSpoolRecoveryTest {

  private static final int RECORDS = 3000;

  @TempDir Path dir;
  private List<Path> segments;

  /** A spool left by a run that appended {@value #RECORDS} records over several segments, then one by a later run. */
  @BeforeEach
  void twoRuns() throws IOException {
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      for (int i = 0; i < RECORDS; i++) {
        appendAccepted(spool, bytes("record " + i + " " + "y".repeat(i % 150)));
      }
    }
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      appendAccepted(spool, bytes("record " + RECORDS));
    }
    segments = MappedSpoolTest.segmentFiles(dir);
    assertThat(segments.size()).isGreaterThan(4);
  }

  @Test
  void anUndamagedSpoolReplaysEverythingOnce() throws IOException {
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      assertThat(spool.recovery().clean()).as(spool.recovery().describe()).isTrue();
      assertThat(spool.recovery().replayable()).isEqualTo(RECORDS + 1);
      assertThat(drain(spool)).extracting(SpooledRecord::seq).hasSize(RECORDS + 1).doesNotHaveDuplicates();
    }
  }

  @Test
  void aFlippedBitInASegmentHeaderLosesNothingAndTheFileIsMovedAsideOnceFinal() throws IOException {
    Path damaged = segments.get(1);
    flip(damaged, 3);
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      RecoveryReport r = spool.recovery();
      assertThat(r.damagedHeaders()).isEqualTo(1);
      assertThat(r.lost()).isZero();
      assertThat(r.replayable()).isEqualTo(RECORDS + 1);
      finalizeAll(spool);
      assertThat(damaged).doesNotExist();
      assertThat(dir.resolve(SegmentStore.DAMAGED_DIR).resolve(damaged.getFileName())).exists();
    }
  }

  @Test
  void aFlippedByteInARecordCostsExactlyThatRecord() throws IOException {
    Path damaged = segments.get(1);
    int at = recordOffset(damaged, 5);
    flip(damaged, at + RecordFormat.HEADER + 2); // in the payload of the sixth record
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      RecoveryReport r = spool.recovery();
      assertThat(r.lostDamaged()).as(r.describe()).isEqualTo(1);
      assertThat(r.lostMissing()).isZero();
      assertThat(r.damagedStretches()).isEqualTo(1);
      assertThat(r.replayable()).isEqualTo(RECORDS);
      assertEveryPayloadIntact(drain(spool));
    }
  }

  @Test
  void aCorruptLengthCostsOnlyItsRecord() throws IOException {
    Path damaged = segments.get(2);
    int at = recordOffset(damaged, 10);
    write(damaged, at, new byte[] {(byte) 0xFF, (byte) 0xFF, 0x00, 0x00}); // length 65535
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      assertThat(spool.recovery().lostDamaged()).isEqualTo(1);
      assertThat(spool.recovery().replayable()).isEqualTo(RECORDS);
    }
  }

  @Test
  void aDeletedSegmentIsCountedAsMissingRecords() throws IOException {
    long inIt = countRecords(segments.get(2));
    Files.delete(segments.get(2));
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      RecoveryReport r = spool.recovery();
      assertThat(r.lostMissing()).as(r.describe()).isEqualTo(inIt);
      assertThat(r.replayable()).isEqualTo(RECORDS + 1 - inIt);
    }
  }

  @Test
  void aSegmentTruncatedToNothingIsCountedAsMissingRecords() throws IOException {
    long inIt = countRecords(segments.get(1));
    try (FileChannel ch = FileChannel.open(segments.get(1), StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      RecoveryReport r = spool.recovery();
      assertThat(r.lostMissing() + r.lostDamaged()).as(r.describe()).isEqualTo(inIt);
      assertThat(r.replayable()).isEqualTo(RECORDS + 1 - inIt);
    }
  }

  @Test
  void aTornTailCostsTheRecordsItCutAndTheNextRunsNumbersShowHowMany() throws IOException {
    Path last = segmentOfFirstRunHoldingRecords();
    int at = recordOffset(last, 3);
    long after = countRecords(last) - 3;
    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
      ch.truncate(at + 10); // inside the fourth record
    }
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      RecoveryReport r = spool.recovery();
      assertThat(r.lost()).as(r.describe()).isEqualTo(after);
      assertThat(r.replayable()).isEqualTo(RECORDS + 1 - after);
      finalizeAll(spool);
    }
    assertThat(dir.resolve(SegmentStore.DAMAGED_DIR).resolve(last.getFileName())).exists();
  }

  @Test
  void lostNumbersAreFinalSoTheNextOpenIsClean() throws IOException {
    Files.delete(segments.get(2));
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      assertThat(spool.recovery().lostMissing()).isPositive();
    }
    try (MappedSpool spool = MappedSpool.open(dir, small(64))) {
      assertThat(spool.recovery().lost()).isZero();
    }
  }

  private Path segmentOfFirstRunHoldingRecords() throws IOException {
    Path last = null;
    for (Path p : segments.subList(0, segments.size() - 1)) {
      if (countRecords(p) > 10) {
        last = p;
      }
    }
    return last;
  }

  private static void finalizeAll(MappedSpool spool) throws IOException {
    for (SpooledRecord r : drain(spool)) {
      spool.markFinal(r.seq());
    }
    spool.checkpoint();
  }

  private static void assertEveryPayloadIntact(List<SpooledRecord> records) {
    for (SpooledRecord r : records) {
      String s = new String(r.payload(), StandardCharsets.UTF_8);
      int i = Integer.parseInt(s.split(" ")[1]);
      assertThat(s).isEqualTo("record " + i + (i == RECORDS ? "" : " " + "y".repeat(i % 150)));
    }
  }

  /** Offset of the {@code n}th record (from 0) of a segment file. */
  private static int recordOffset(Path segment, int n) throws IOException {
    ByteBuffer b = read(segment);
    SegmentScanner s = new SegmentScanner(b, Segment.HEADER, b.capacity());
    int seen = 0;
    for (SegmentScanner.Item i = s.advance(); i != SegmentScanner.Item.DONE; i = s.advance()) {
      if (i == SegmentScanner.Item.RECORD && seen++ == n) {
        return s.at();
      }
    }
    throw new AssertionError("no record " + n + " in " + segment);
  }

  private static long countRecords(Path segment) throws IOException {
    ByteBuffer b = read(segment);
    SegmentScanner s = new SegmentScanner(b, Segment.HEADER, b.capacity());
    long n = 0;
    for (SegmentScanner.Item i = s.advance(); i != SegmentScanner.Item.DONE; i = s.advance()) {
      n += i == SegmentScanner.Item.RECORD ? 1 : 0;
    }
    return n;
  }

  private static ByteBuffer read(Path p) throws IOException {
    return ByteBuffer.allocateDirect((int) Files.size(p)).put(Files.readAllBytes(p)).flip()
        .order(RecordFormat.ORDER);
  }

  static void flip(Path file, int at) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x10));
      ch.write(b.rewind(), at);
    }
  }

  private static void write(Path file, int at, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), at);
    }
  }
}
