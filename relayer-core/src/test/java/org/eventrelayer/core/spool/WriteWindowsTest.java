package org.eventrelayer.core.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Appenders write through windows of the segment mapped writable, which the spool's thread unmaps once every record
 * in them is published ({@link WriteWindows}): records that cross a window's end, what keeps a window mapped, and
 * that the spool's thread forces ahead only what is unmapped.
 */
class WriteWindowsTest {

  private static final int WINDOW = WriteWindows.WINDOW_BYTES;

  @TempDir Path tmp;

  @Test
  void recordsThatCrossTheEndOfAWindowAreReadBackWholeLiveAndAfterARestart() throws IOException {
    SpoolSettings settings = SpoolSettings.builder().name("test").segmentBytes(4L * WINDOW).maxBytes(64L * WINDOW)
        .build();
    Random random = new Random(7);
    List<byte[]> written = new ArrayList<>();
    int crossing = 0;
    try (MappedSpool spool = MappedSpool.open(tmp, settings)) {
      int records = (int) (25L * WINDOW / 10_000); // about 25 windows of records of 10 KB on average
      for (int i = 0; i < records; i++) {
        byte[] payload = new byte[1 + random.nextInt(20_000)];
        random.nextBytes(payload);
        long before = spool.appendingSegment().reservedEnd();
        assertThat(MappedSpoolTest.appendAccepted(spool, payload)).isEqualTo(i);
        long after = spool.appendingSegment().reservedEnd();
        if (after > before && before / WINDOW != (after - 1) / WINDOW) {
          crossing++;
        }
        written.add(payload);
      }
      assertThat(crossing).as("records that crossed a window's end").isGreaterThan(10);
      List<SpooledRecord> read = MappedSpoolTest.drain(spool);
      assertThat(read).hasSize(written.size());
      for (int i = 0; i < read.size(); i++) {
        assertThat(read.get(i).payload()).as("record %d", i).isEqualTo(written.get(i));
      }
    }
    try (MappedSpool reopened = MappedSpool.open(tmp, settings)) {
      assertThat(reopened.recovery().lost()).isZero();
      assertThat(reopened.recovery().damagedStretches()).isZero();
      List<SpooledRecord> replayed = MappedSpoolTest.drain(reopened);
      assertThat(replayed).hasSize(written.size());
      for (int i = 0; i < replayed.size(); i++) {
        assertThat(replayed.get(i).payload()).as("record %d", i).isEqualTo(written.get(i));
      }
    }
  }

  @Test
  void theSpoolsThreadUnmapsTheWindowsAppendersAreDoneWithAndForcesAheadOnlyThose() throws IOException {
    SpoolSettings settings = SpoolSettings.builder().name("test").segmentBytes(16L * WINDOW).maxBytes(256L * WINDOW)
        .build();
    try (MappedSpool spool = MappedSpool.open(tmp, settings)) {
      byte[] record = new byte[1000];
      int n = (int) (6L * WINDOW / record.length);
      for (int i = 0; i < n; i++) {
        MappedSpoolTest.appendAccepted(spool, record);
      }
      Segment s = spool.appendingSegment();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(s.forceableTo()).as("windows released").isGreaterThanOrEqualTo(4 * WINDOW);
        assertThat(spool.unforcedBytes()).as("forced ahead")
            .isLessThan(s.reservedEnd() - s.forceableTo() + SegmentForcer.FORCE_AHEAD_BYTES);
      });
      assertThat(s.forceableTo() % WINDOW).isZero();
      assertThat(s.forceableTo()).isLessThan((int) s.reservedEnd()); // the window appended to stays mapped
      assertThat(MappedSpoolTest.drain(spool)).hasSize(n); // read through the read-only mapping
      assertThat(MappedSpoolTest.appendAccepted(spool, record)).isEqualTo(n); // appends go on past the released
    }
  }

  @Test
  void aRecordReservedAndNotPublishedKeepsItsWindowAndAllAfterItMapped() throws IOException {
    SegmentStore store = new SegmentStore(tmp, 4L * WINDOW);
    assertThat(store.reserve(Long.MAX_VALUE)).isTrue();
    Segment s = store.createReserved();
    try {
      s.activate(0);
      RecordFormat.Scratch scratch = new RecordFormat.Scratch();
      byte[] payload = new byte[4000];
      int footprint = RecordFormat.footprint(payload.length);
      long slow = s.state.getAndAdd((1L << 32) + footprint); // an appender that reserved, then was descheduled
      long seq = 1;
      while (s.reservedEnd() < 3L * WINDOW) {
        long state = s.state.getAndAdd((1L << 32) + footprint);
        s.write((int) state, RecordFormat.TYPE_DATA, seq++, payload, 0, payload.length, scratch);
      }
      s.releaseWritten();
      assertThat(s.forceableTo()).as("released while a record below is unpublished").isZero();

      s.write((int) slow, RecordFormat.TYPE_DATA, 0, payload, 0, payload.length, scratch); // it publishes
      s.releaseWritten();
      assertThat(s.forceableTo()).as("released once it published").isEqualTo(2 * WINDOW);
      assertThat(s.released()).isFalse();

      // Sealed: everything up to the end-of-segment record is released.
      long state = s.state.getAndAdd((1L << 32) + s.limit);
      s.write((int) state, RecordFormat.TYPE_END, seq, payload, 0, 0, scratch);
      s.sealedAt = (int) (state >>> 32);
      s.releaseWritten();
      assertThat(s.released()).isTrue();
      assertThat(s.forceableTo()).isEqualTo(4 * WINDOW);
    } finally {
      store.retire(s);
    }
  }

  @Test
  void anAppendThatFailsAfterReservingItsSpaceIsRefusedAndHoldsNeitherTheWatermarkNorTheNextStartBack()
      throws IOException {
    SpoolSettings settings = SpoolSettings.builder().name("test").segmentBytes(4L * WINDOW).maxBytes(64L * WINDOW)
        .build();
    byte[] record = new byte[1000];
    long appended;
    int failed = 0;
    try (MappedSpool spool = MappedSpool.open(tmp, settings)) {
      assertThat(MappedSpoolTest.appendAccepted(spool, record)).isZero();
      // A fault in the mapping under the next appends (as when the file system cannot allocate a page): the first
      // window is gone, so every append that reserved space in it fails after reserving.
      spool.appendingSegment().windows().releaseBelow(WINDOW);
      long seq;
      while ((seq = spool.append(record)) < 0) {
        assertThat(seq).isEqualTo(Refusal.UNAVAILABLE.code());
        failed++;
      }
      assertThat(failed).isGreaterThan(100);
      assertThat(spool.refused(Refusal.UNAVAILABLE)).isEqualTo(failed);
      assertThat(seq).isEqualTo(failed + 1); // the failed appends took their numbers
      appended = seq + 1;

      List<SpooledRecord> read = MappedSpoolTest.drain(spool);
      assertThat(read).extracting(SpooledRecord::seq).containsExactly(0L, seq); // the failed space is skipped
      read.forEach(r -> spool.markFinal(r.seq()));
      assertThat(spool.finalBelow()).as("before the failed appends are settled").isEqualTo(1);
      assertThat(spool.settleAbandoned()).isTrue();
      assertThat(spool.finalBelow()).as("what flush waits for").isEqualTo(appended);
      spool.checkpoint();
    }
    try (MappedSpool reopened = MappedSpool.open(tmp, settings)) {
      assertThat(reopened.recovery().lost()).as("refused appends are not lost records").isZero();
      assertThat(reopened.recovery().replayable()).isZero();
      assertThat(reopened.nextSeq()).isEqualTo(appended);
    }
  }

  @Test
  void aSegmentWhoseEndRecordCannotBeWrittenIsSealedAllTheSameAndTheReaderMovesOn() throws IOException {
    SpoolSettings settings = SpoolSettings.builder().name("test").segmentBytes(4L * WINDOW).maxBytes(64L * WINDOW)
        .build();
    byte[] record = new byte[1000];
    long seq;
    try (MappedSpool spool = MappedSpool.open(tmp, settings)) {
      assertThat(MappedSpoolTest.appendAccepted(spool, record)).isZero();
      // A fault under every later append into this segment, the end record's too: each is refused, and the one
      // that crosses the end must still seal it, or every appender after it would wait for the seal for ever.
      Segment first = spool.appendingSegment();
      first.windows().releaseBelow(4 * WINDOW);
      while ((seq = spool.append(record)) < 0) {
        assertThat(seq).isEqualTo(Refusal.UNAVAILABLE.code());
      }
      assertThat(spool.appendingSegment()).isNotSameAs(first);
      assertThat(MappedSpoolTest.drain(spool)).extracting(SpooledRecord::seq).containsExactly(0L, seq);
    }
    try (MappedSpool reopened = MappedSpool.open(tmp, settings)) {
      assertThat(reopened.recovery().lost()).as("refused appends are not lost records").isZero();
      assertThat(MappedSpoolTest.drain(reopened)).extracting(SpooledRecord::seq).containsExactly(0L, seq);
    }
  }
}
