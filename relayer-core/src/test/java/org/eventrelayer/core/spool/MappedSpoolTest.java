package org.eventrelayer.core.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.eventrelayer.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mapped spool's contract: order, concurrency, refusals, replay, deletion, locks, files. */
class MappedSpoolTest {

  static final int SEGMENT = 64 * 1024;

  @TempDir Path tmp;

  static SpoolSettings small(int segments) {
    return SpoolSettings.builder().name("test").segmentBytes(SEGMENT).maxBytes((long) segments * SEGMENT).build();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static List<SpooledRecord> drain(MappedSpool spool) {
    List<SpooledRecord> out = new ArrayList<>();
    SpooledRecord r;
    while ((r = spool.reader().next()) != null) {
      out.add(r);
    }
    return out;
  }

  /** Appends, trying again while the test outruns the spool's preparing thread (the spool itself never waits). */
  static long appendAccepted(MappedSpool spool, byte[] payload) {
    long seq;
    while ((seq = spool.append(payload)) == Refusal.UNAVAILABLE.code()) {
      Thread.yield();
    }
    assertThat(seq).as("refused: %s", seq < 0 ? Refusal.of(seq) : null).isNotNegative();
    return seq;
  }

  @Test
  void recordsComeBackInOrderAcrossSegments() throws IOException {
    try (MappedSpool spool = MappedSpool.open(tmp, small(64))) {
      for (int i = 0; i < 3000; i++) {
        assertThat(appendAccepted(spool, bytes("record " + i + " " + "x".repeat(i % 97)))).isEqualTo(i);
      }
      List<SpooledRecord> read = drain(spool);
      assertThat(read).hasSize(3000);
      for (int i = 0; i < read.size(); i++) {
        assertThat(read.get(i).seq()).isEqualTo(i);
        assertThat(new String(read.get(i).payload(), StandardCharsets.UTF_8))
            .isEqualTo("record " + i + " " + "x".repeat(i % 97));
      }
      assertThat(segmentFiles(tmp)).hasSizeGreaterThan(3);
    }
  }

  @Test
  void withAForcePerBatchTheSpoolsThreadForcesAheadOfTheReaderSoNoReaderForcesAWholeBacklog() throws IOException {
    SpoolSettings settings = SpoolSettings.builder().name("test").segmentBytes(1 << 20).maxBytes(32L << 20).build();
    try (MappedSpool spool = MappedSpool.open(tmp, settings)) {
      assertThat(spool.forcedBelow()).isZero();
      byte[] record = new byte[1000];
      int n = (int) (2 * SegmentForcer.FORCE_AHEAD_BYTES / record.length);
      for (int i = 0; i < n; i++) {
        appendAccepted(spool, record);
      }
      // Nobody called force(): the spool's thread forced ahead in steps, leaving less than one step behind.
      await().atMost(Duration.ofSeconds(30)).until(() -> spool.unforcedBytes() < SegmentForcer.FORCE_AHEAD_BYTES);
      assertThat(spool.forcedBelow()).isZero(); // a step ends inside a segment: only a force moves the watermark
      spool.force();
      assertThat(spool.unforcedBytes()).isZero();
      assertThat(spool.forcedBelow()).isEqualTo(spool.nextSeq()).isEqualTo(n);
    }
  }

  @Test
  void aNewSegmentIsSparseUntilFilledAndFillingAllocatesEveryPageButKeepsTheHeader() throws Exception {
    // A caller's first write into a hole of a sparse segment faults, and the kernel reads ahead through the holes
    // (see Segment#fill); the spool's thread fills a spare before it offers it.
    SegmentStore store = new SegmentStore(tmp, 4 * Segment.FILL_STEP + Segment.PAGE);
    assertThat(store.reserve(Long.MAX_VALUE)).isTrue();
    Segment s = store.createReserved();
    try {
      assertThat(allocatedBytes(s.path)).as("created sparse").isLessThan(Segment.FILL_STEP);
      int calls = 1;
      while (s.fill()) {
        calls++;
      }
      assertThat(calls).as("one step of FILL_STEP bytes per call").isEqualTo(4);
      assertThat(s.fill()).as("filled stays filled").isFalse();
      assertThat(allocatedBytes(s.path)).isGreaterThanOrEqualTo(4L * Segment.FILL_STEP + Segment.PAGE);
      assertThat(s.headerIntact()).isTrue();
    } finally {
      store.retire(s);
    }
  }

  @Test
  void aSpareClosedWhileItIsBeingFilledIsDeletedWithTheOthers() throws IOException {
    // Big segments, so that the spool's thread is still filling the spare it started after the roll when close()
    // comes: that segment is in no list yet, and only close() can delete it.
    int segment = 128 << 20;
    SpoolSettings settings = SpoolSettings.builder().name("test").segmentBytes(segment).maxBytes(8L << 30).build();
    List<Path> holdingRecords;
    try (MappedSpool spool = MappedSpool.open(tmp, settings)) {
      List<Path> atOpen = segmentFiles(tmp); // the first segment and the spares
      byte[] record = new byte[4000];
      for (int i = 0; i < segment / record.length + 1; i++) { // one segment and a record: a roll
        appendAccepted(spool, record);
      }
      holdingRecords = atOpen.subList(0, 2);
      // Close the moment the new spare's file is there (its fill takes milliseconds): look every millisecond.
      await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(30))
          .until(() -> segmentFiles(tmp).size() > atOpen.size());
    }
    assertThat(segmentFiles(tmp)).as("the spares are deleted, the segments holding records stay")
        .isEqualTo(holdingRecords);
  }

  /** The bytes the file system allocated to a file ({@code st_blocks}), which Java's attribute views do not give. */
  static long allocatedBytes(Path file) throws IOException, InterruptedException {
    Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
    String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(stat.waitFor()).as("stat: %s", out).isZero();
    String[] blocks = out.split(" ");
    return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
  }

  @Test
  void concurrentAppendersGetEveryNumberOnceAndTheReaderSeesEveryRecordOnce() throws Exception {
    int threads = 8;
    int each = 4000;
    try (MappedSpool spool = MappedSpool.open(tmp, small(256))) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        all.add(new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < each; i++) {
            appendAccepted(spool, bytes(thread + ":" + i));
          }
        }));
      }
      all.forEach(Thread::start);
      start.countDown();
      Set<String> seen = new HashSet<>();
      long expect = 0;
      while (expect < (long) threads * each) {
        SpooledRecord r = spool.reader().next();
        if (r == null) {
          Thread.onSpinWait();
          continue;
        }
        assertThat(r.seq()).isEqualTo(expect++);
        assertThat(seen.add(new String(r.payload(), StandardCharsets.UTF_8))).isTrue();
      }
      for (Thread t : all) {
        t.join();
      }
      assertThat(seen).hasSize(threads * each);
      assertThat(spool.reader().next()).isNull();
    }
  }

  @Test
  void aCloseDuringAppendsLosesNoAcceptedRecordAndRefusesTheRestAsClosed() throws Exception {
    // The close seals the segment appended to: an appender past the closed check either reserved before the seal
    // (its record is waited for, forced and kept) or after it (refused as closed), never into a deleted file.
    int threads = 4;
    List<Set<Long>> accepted = new ArrayList<>();
    List<Set<Long>> refusals = new ArrayList<>();
    SpoolSettings settings = SpoolSettings.builder().name("test").segmentBytes(1 << 20).maxBytes(64L << 20).build();
    MappedSpool spool = MappedSpool.open(tmp, settings);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Set<Long> mine = new HashSet<>();
      Set<Long> refused = new HashSet<>();
      accepted.add(mine);
      refusals.add(refused);
      all.add(new Thread(() -> {
        while (mine.size() < 400_000) { // 1.6 million records of 32 bytes at most: the spool never fills
          long seq = spool.append(bytes("r"));
          if (seq >= 0) {
            mine.add(seq);
          } else if (seq == Refusal.UNAVAILABLE.code()) {
            Thread.yield(); // the test outran the spool's thread preparing segments
          } else {
            refused.add(seq);
            return;
          }
        }
      }));
    }
    all.forEach(Thread::start);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() -> spool.nextSeq() > 20_000);
    spool.close();
    for (Thread t : all) {
      t.join();
    }
    Set<Long> allAccepted = new HashSet<>();
    accepted.forEach(allAccepted::addAll);
    List<Long> refused = refusals.stream().flatMap(Set::stream).toList();
    assertThat(refused).as("the close came while they appended").isNotEmpty().containsOnly(Refusal.CLOSED.code());
    assertThat(allAccepted).hasSizeGreaterThan(20_000);
    try (MappedSpool reopened = MappedSpool.open(tmp, settings)) {
      assertThat(reopened.recovery().clean()).isTrue();
      Set<Long> replayed = new HashSet<>();
      drain(reopened).forEach(r -> replayed.add(r.seq()));
      Set<Long> lost = new HashSet<>(allAccepted);
      lost.removeAll(replayed);
      assertThat(lost).as("accepted, and not replayed").isEmpty();
      assertThat(replayed).as("replayed: the accepted ones only").hasSameSizeAs(allAccepted);
    }
  }

  @Test
  void aFullSpoolRefusesAtOnceCountsItAndTakesRecordsAgainOnceSpaceIsFreed() throws IOException {
    try (MappedSpool spool = MappedSpool.open(tmp, small(4))) {
      byte[] payload = new byte[1000];
      long result = 0;
      for (int i = 0; i < 10_000 && result != Refusal.FULL.code(); i++) {
        result = spool.append(payload);
        if (result == Refusal.UNAVAILABLE.code()) {
          Thread.yield();
        }
      }
      assertThat(result).isEqualTo(Refusal.FULL.code());
      long t0 = System.nanoTime();
      assertThat(spool.append(payload)).isEqualTo(Refusal.FULL.code());
      assertThat(System.nanoTime() - t0).as("a refusal never waits").isLessThan(Duration.ofMillis(500).toNanos());
      assertThat(spool.refused(Refusal.FULL)).isGreaterThanOrEqualTo(2);
      assertThat(spool.usedBytes()).isLessThanOrEqualTo(4L * SEGMENT);
      for (SpooledRecord r : drain(spool)) {
        spool.markFinal(r.seq());
      }
      assertThat(spool.checkpoint()).isPositive();
      await().atMost(Duration.ofSeconds(10)).until(() -> spool.append(payload) >= 0);
    }
  }

  @Test
  void spaceAnAppendReservedAndNeverPublishedIsSkippedOnceTheSegmentIsMarked() throws IOException {
    try (MappedSpool spool = MappedSpool.open(tmp, small(8))) {
      appendAccepted(spool, bytes("before"));
      Segment s = spool.appendingSegment();
      s.state.getAndAdd((1L << 32) + RecordFormat.footprint(40)); // reserved, then the write failed
      long after = appendAccepted(spool, bytes("after"));
      assertThat(drain(spool)).extracting(r -> new String(r.payload(), StandardCharsets.UTF_8))
          .containsExactly("before"); // the reader waits at the unpublished space...
      s.holes = true; // ...until the failed append marks the segment
      List<SpooledRecord> rest = drain(spool);
      assertThat(rest).extracting(SpooledRecord::seq).containsExactly(after);
    }
  }

  @Test
  void tooLargeAndClosedAreCountedRefusals() throws IOException {
    MappedSpool spool = MappedSpool.open(tmp, small(4));
    SpoolSettings s = small(4);
    assertThat(Refusal.of(spool.append(new byte[s.maxPayloadBytes() + 1]))).isEqualTo(Refusal.TOO_LARGE);
    assertThat(spool.append(new byte[s.maxPayloadBytes()])).isNotNegative();
    spool.close();
    assertThat(Refusal.of(spool.append(bytes("late")))).isEqualTo(Refusal.CLOSED);
    assertThat(spool.refused(Refusal.TOO_LARGE)).isEqualTo(1);
    assertThat(spool.refused(Refusal.CLOSED)).isEqualTo(1);
  }

  @Test
  void aReopenedSpoolReplaysOnlyWhatIsNotFinalAndNumbersOnFromThere() throws IOException {
    try (MappedSpool spool = MappedSpool.open(tmp, small(16))) {
      for (int i = 0; i < 100; i++) {
        appendAccepted(spool, bytes("r" + i));
      }
      for (SpooledRecord r : drain(spool)) {
        if (r.seq() < 50 || r.seq() == 60) {
          spool.markFinal(r.seq());
        }
      }
      spool.checkpoint();
    }
    try (MappedSpool spool = MappedSpool.open(tmp, small(16))) {
      assertThat(spool.recovery().replayable()).isEqualTo(49);
      assertThat(spool.recovery().clean()).as(spool.recovery().describe()).isTrue();
      assertThat(appendAccepted(spool, bytes("new"))).isEqualTo(100);
      List<SpooledRecord> read = drain(spool);
      assertThat(read).hasSize(50);
      assertThat(read.subList(0, 49)).allMatch(SpooledRecord::replayed)
          .extracting(SpooledRecord::seq).doesNotContain(60L).startsWith(50L, 51L).endsWith(99L);
      assertThat(read.get(49).replayed()).isFalse();
      assertThat(new String(read.get(49).payload(), StandardCharsets.UTF_8)).isEqualTo("new");
    }
  }

  @Test
  void segmentsAreDeletedAndUnmappedOnceFinalSoTheFilesAndTheDiskStayBounded() throws IOException {
    // A deleted file keeps its blocks and pages while any mapping of it lives: left to the collector, segments
    // deleted once final piled up past maxBytes on the disk (672 MiB under a 512 MiB spool after 6 million purges).
    try (MappedSpool spool = MappedSpool.open(tmp, small(6))) {
      byte[] payload = new byte[500];
      for (int i = 0; i < 2000; i++) { // about 16 segments' worth through a spool of 6
        appendAccepted(spool, payload);
        for (SpooledRecord r : drain(spool)) {
          spool.markFinal(r.seq());
        }
        spool.checkpoint();
        assertThat(spool.usedBytes()).isLessThanOrEqualTo(6L * SEGMENT);
        // The reader's mapping goes with the file; the writable windows, once the spool's thread sees them written.
        assertThat(deletedMappings(tmp)).noneMatch(l -> l.contains(" r--s "));
      }
      List<Path> files = segmentFiles(tmp);
      assertThat(files).hasSizeLessThanOrEqualTo(6); // spares included
      assertThat(SegmentStore.number(files.get(0))).as("segments came and went").isGreaterThan(8);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(deletedMappings(tmp)).isEmpty());
      // Then a roll, and the close at once: the segment just sealed is deleted before the spool's thread may have
      // released its windows, which the close then does.
      Segment sealed = spool.appendingSegment();
      while (spool.appendingSegment() == sealed) {
        appendAccepted(spool, payload);
      }
      for (SpooledRecord r : drain(spool)) {
        spool.markFinal(r.seq());
      }
    }
    // A clean close deletes every file, and every mapping goes with them: the spares', and the windows of the
    // segment appended to last once the close has sealed it (no appender can write there any more).
    assertThat(segmentFiles(tmp)).isEmpty();
    assertThat(deletedMappings(tmp)).isEmpty();
    try (MappedSpool spool = MappedSpool.open(tmp, small(6))) {
      assertThat(spool.recovery().replayable()).isZero();
      assertThat(spool.recovery().clean()).isTrue();
    }
  }

  @Test
  void aClosedSpoolLeavesNothingOfItsDirectoryMappedThoughRecordsAreLeftAndItIsStillReferenced() throws IOException {
    // A closed spool that its host still references (a closed group kept in a field) must not keep mappings of its
    // files alive: the collector cannot free them, and a harness waiting for them waited for ever (the checkpoint's).
    MappedSpool spool = MappedSpool.open(tmp, small(6));
    byte[] payload = new byte[500];
    for (int i = 0; i < 600; i++) { // a few segments, half of them read and final
      appendAccepted(spool, payload);
    }
    List<SpooledRecord> read = drain(spool);
    for (SpooledRecord r : read.subList(0, read.size() / 2)) {
      spool.markFinal(r.seq());
    }
    spool.checkpoint();
    spool.close();
    assertThat(segmentFiles(tmp)).as("records left for the next open").isNotEmpty();
    assertThat(mappings(tmp)).isEmpty();
    assertThat(spool.dir()).isEqualTo(tmp); // still referenced here: nothing was left to the collector
  }

  /** The lines of /proc/self/maps that map a file of {@code dir}, deleted or not. */
  static List<String> mappings(Path dir) throws IOException {
    String prefix = dir.toRealPath() + "/";
    return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(prefix)).toList();
  }

  /** The lines of /proc/self/maps that map a deleted file of {@code dir}. */
  static List<String> deletedMappings(Path dir) throws IOException {
    return mappings(dir).stream().filter(l -> l.endsWith("(deleted)")).toList();
  }

  @Test
  void aSecondSpoolOnTheDirectoryIsRefusedEvenAfterTheLockFileWasDeleted() throws Exception {
    Path dir = tmp.resolve("spool");
    try (MappedSpool spool = MappedSpool.open(dir, small(8))) {
      assertThatThrownBy(() -> MappedSpool.open(dir, small(8))).isInstanceOf(SpoolLockedException.class)
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
    }
    ChildJvm holder = ChildJvm.start(MappedSpoolHost.class, tmp.resolve("hold.err"), "hold", dir.toString());
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> holder.lastLine("HOLDING").isPresent());
      assertThat(probe(dir)).startsWith("LOCKED").contains("pid " + holder.process().pid());
      Files.delete(dir.resolve(SpoolLock.FILE));
      assertThatThrownBy(() -> MappedSpool.open(dir, small(8))).isInstanceOf(SpoolLockedException.class);
      assertThat(probe(dir)).startsWith("LOCKED");
    } finally {
      holder.kill();
    }
    assertThat(probe(dir)).startsWith("OPENED");
  }

  private String probe(Path dir) throws Exception {
    ChildJvm p = ChildJvm.start(MappedSpoolHost.class, tmp.resolve("probe.err"), "probe", dir.toString());
    p.process().waitFor();
    await().atMost(Duration.ofSeconds(5)).until(() -> !p.lines().isEmpty());
    return p.lines().get(0);
  }

  @Test
  void aDirectoryNamedLikeASegmentIsAnErrorNamingIt() throws IOException {
    Path bad = tmp.resolve(Segment.fileName(7));
    Files.createDirectory(bad);
    assertThatThrownBy(() -> MappedSpool.open(tmp, small(8))).isInstanceOf(IOException.class)
        .hasMessageContaining(bad.toString()).hasMessageContaining("not a regular file");
    Files.delete(bad);
    MappedSpool.open(tmp, small(8)).close(); // the failed open released everything
  }

  @Test
  void filesAndDirectoriesAreOwnerOnly() throws IOException {
    Path dir = tmp.resolve("a/b/spool");
    try (MappedSpool spool = MappedSpool.open(dir, small(8))) {
      appendAccepted(spool, bytes("x"));
      assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          assertThat(Files.getPosixFilePermissions(f)).as(f.toString())
              .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
      }
    }
  }

  @Test
  void settingsNameTheParameterThatIsWrong() {
    assertThatThrownBy(() -> SpoolSettings.builder().segmentBytes(1000).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("segmentBytes");
    assertThatThrownBy(() -> SpoolSettings.builder().segmentBytes(SEGMENT).maxBytes(SEGMENT).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maxBytes");
    assertThatThrownBy(() -> SpoolSettings.builder().forceInterval(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("forceInterval");
    assertThatThrownBy(() -> SpoolSettings.builder().fillThreads(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("fillThreads");
    assertThatThrownBy(() -> SpoolSettings.builder().fillThreads(SpoolSettings.MAX_FILL_THREADS + 1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("fillThreads");
  }

  static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(Segment.SUFFIX)).sorted().toList();
    }
  }
}
