package org.eventrelayer.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The record format tested like a storage engine: random records, random truncation and bit flips. Only intact
 * records ever come out, every record the damage did not touch does, and across a whole spool every record is
 * either replayed or counted as lost.
 */
class MappedSpoolFormatPropertiesTest {

  @Provide
  Arbitrary<List<byte[]>> payloads() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300).list().ofMinSize(1).ofMaxSize(60);
  }

  @Property(tries = 400)
  void onlyIntactRecordsComeOutAndEveryUntouchedRecordDoes(@ForAll("payloads") List<byte[]> payloads,
      @ForAll @Size(max = 6) List<@IntRange(min = 0, max = Integer.MAX_VALUE) Integer> flips,
      @ForAll @DoubleRange(min = 0.3, max = 1.0) double keep) {
    int size = Segment.HEADER + RecordFormat.END_RECORD;
    for (byte[] p : payloads) {
      size += RecordFormat.footprint(p.length);
    }
    ByteBuffer b = ByteBuffer.allocateDirect(size).order(RecordFormat.ORDER);
    RecordFormat.Scratch scratch = new RecordFormat.Scratch();
    int[] at = new int[payloads.size() + 1];
    int pos = Segment.HEADER;
    for (int i = 0; i < payloads.size(); i++) {
      at[i] = pos;
      byte[] p = payloads.get(i);
      RecordFormat.write(b, pos, RecordFormat.TYPE_DATA, i, p, 0, p.length, scratch);
      pos += RecordFormat.footprint(p.length);
    }
    at[payloads.size()] = pos;
    RecordFormat.write(b, pos, RecordFormat.TYPE_END, payloads.size(), new byte[0], 0, 0, scratch);
    boolean[] flipped = new boolean[size];
    for (int f : flips) {
      int p = f % size;
      b.put(p, (byte) (b.get(p) ^ (1 << ((f >>> 24) & 7))));
      flipped[p] = true;
    }
    int end = (int) (size * keep);

    SegmentScanner s = new SegmentScanner(b, Segment.HEADER, end);
    List<Long> seen = new ArrayList<>();
    for (SegmentScanner.Item item = s.advance(); item != SegmentScanner.Item.DONE; item = s.advance()) {
      if (item == SegmentScanner.Item.SKIPPED) {
        continue;
      }
      int i = (int) s.seq();
      assertThat(s.at()).isEqualTo(at[i]);
      if (item == SegmentScanner.Item.RECORD) {
        assertThat(RecordFormat.payload(b, s.at(), s.length())).isEqualTo(payloads.get(i));
      } else {
        assertThat(i).isEqualTo(payloads.size());
      }
      assertThat(seen).allMatch(prev -> prev < i);
      seen.add((long) i);
    }
    for (int i = 0; i <= payloads.size(); i++) {
      int length = RecordFormat.HEADER + (i < payloads.size() ? payloads.get(i).length : 0);
      boolean touched = at[i] + length > end;
      for (int p = at[i]; p < at[i] + length && !touched; p++) {
        touched = flipped[p];
      }
      if (!touched) {
        assertThat(seen).as("untouched record %d", i).contains((long) i);
      }
    }
  }

  @Property(tries = 60)
  void everyRecordOfADamagedSpoolIsReplayedIntactOrCountedLost(@ForAll("payloads") List<byte[]> payloads,
      @ForAll @IntRange(min = 1, max = 8) int copies,
      @ForAll @Size(max = 6) List<@IntRange(min = 0, max = Integer.MAX_VALUE) Integer> flips,
      @ForAll @IntRange(min = -1, max = 20) int truncate, @ForAll @IntRange(min = -1, max = 20) int delete)
      throws IOException {
    Path dir = Files.createTempDirectory("spool-prop");
    try {
      List<byte[]> all = new ArrayList<>();
      for (int c = 0; c < copies * 20; c++) {
        all.addAll(payloads);
      }
      try (MappedSpool spool = MappedSpool.open(dir, MappedSpoolTest.small(256))) {
        for (byte[] p : all) {
          MappedSpoolTest.appendAccepted(spool, p);
        }
        MappedSpoolTest.drain(spool); // read, not final: the checkpoint then knows how many were appended
      }
      List<Path> files = MappedSpoolTest.segmentFiles(dir);
      for (int f : flips) {
        Path file = files.get(f % files.size());
        MappedSpoolRecoveryTest.flip(file, (f >>> 3) % (int) Files.size(file));
      }
      if (truncate >= 0 && truncate < files.size()) {
        try (FileChannel ch = FileChannel.open(files.get(truncate), StandardOpenOption.WRITE)) {
          ch.truncate(ch.size() / 3);
        }
      }
      if (delete >= 0 && delete < files.size()) {
        Files.delete(files.get(delete));
      }
      try (MappedSpool spool = MappedSpool.open(dir, MappedSpoolTest.small(256))) {
        RecoveryReport r = spool.recovery();
        List<SpooledRecord> read = MappedSpoolTest.drain(spool);
        assertThat((long) read.size()).isEqualTo(r.replayable());
        assertThat(r.replayable() + r.lost() + r.unpublished()).as(r.describe()).isEqualTo(all.size());
        for (SpooledRecord rec : read) {
          assertThat(rec.payload()).isEqualTo(all.get((int) rec.seq()));
        }
        if (flips.isEmpty() && truncate < 0 && delete < 0) {
          assertThat(r.clean()).isTrue();
        }
      }
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
