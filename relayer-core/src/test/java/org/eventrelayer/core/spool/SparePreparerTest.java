package org.eventrelayer.core.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eventrelayer.core.RateLimitedLogger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The spares filled on fill threads: in what order they are offered, and a fill the callers cannot wait for. */
class SparePreparerTest {

  /** Four fill steps: a segment one step filled is not filled. */
  static final int SEGMENT = 4 * Segment.FILL_STEP;

  @TempDir Path tmp;

  private final RateLimitedLogger log = new RateLimitedLogger(LoggerFactory.getLogger(SparePreparerTest.class),
      Duration.ofSeconds(30));
  /** The fills the filler was asked to run, not run until the test runs them. */
  private final List<Runnable> fillTasks = new ArrayList<>();
  private final List<Segment> offered = new ArrayList<>();
  /** Spares the callers have taken (rolled into). */
  private int taken;
  /** Spares the spool had before the test's preparer offered any. */
  private int ready;
  private SegmentStore store;

  @AfterEach
  void retireAll() throws IOException {
    for (Segment s : offered) {
      store.retire(s);
    }
  }

  /**
   * A preparer with 3 fill threads whose fills run when the test says; the spool has {@code aboveLow} spares more
   * than {@link SparePreparer#lowSpares()}.
   */
  private SparePreparer preparer(int aboveLow) {
    store = new SegmentStore(tmp, SEGMENT);
    SpoolSettings settings = SpoolSettings.builder().name("test").segmentBytes(SEGMENT).maxBytes(64L * SEGMENT)
        .fillThreads(3).build();
    SparePreparer.Spares spares = new SparePreparer.Spares() {
      @Override
      public int count() {
        return ready + offered.size() - taken;
      }

      @Override
      public void offer(Segment s) {
        offered.add(s);
      }

      @Override
      public List<Segment> ahead() {
        return List.of();
      }
    };
    SparePreparer p = new SparePreparer(tmp, settings, store, spares, log,
        new SegmentFiller(fillTasks::add, () -> { }, log));
    ready = p.lowSpares() + aboveLow;
    return p;
  }

  @Test
  void sparesFilledOnFillThreadsAreOfferedInTheOrderTheyWereCreatedEachOneFilled() throws IOException {
    SparePreparer preparer = preparer(1);

    assertThat(preparer.step()).isTrue();
    assertThat(fillTasks).as("one fill per fill thread, at once").hasSize(3);
    assertThat(preparer.preparing()).isTrue();
    fillTasks.get(2).run(); // the third ends first
    fillTasks.get(1).run();
    preparer.step();
    assertThat(offered).as("not before the first one created").isEmpty();

    fillTasks.get(0).run();
    preparer.step();
    assertThat(offered).hasSize(3);
    assertThat(offered).extracting(s -> s.number).isSorted();
    for (Segment s : offered) {
      assertThat(s.fill()).as("segment %s filled to its end", s).isFalse();
    }
    assertThat(fillTasks).as("three more started as the first three were offered").hasSize(6);
  }

  @Test
  void fillsNotDoneWhenCallersAreDownToTheirLastSparesAreStoppedAndTheirSegmentsOfferedAsTheyAre()
      throws IOException {
    SparePreparer preparer = preparer(1);
    preparer.step(); // three fills started, none run yet
    assertThat(offered).isEmpty();

    taken = 1; // the callers rolled into a spare: down to lowSpares()
    preparer.step();
    assertThat(offered).as("every fill stopped, its spare offered unfilled").hasSize(3);
    assertThat(fillTasks).as("three more started once the callers had room again").hasSize(6);
    fillTasks.forEach(Runnable::run); // the fill threads get a core at last
    for (Segment s : offered) {
      assertThat(s.fill()).as("a stopped fill never writes to the segment it gave up: %s", s).isTrue();
    }
    preparer.step();
    assertThat(offered).as("the three whose fills ran").hasSize(6);
    for (Segment s : offered.subList(3, 6)) {
      assertThat(s.fill()).as("segment %s filled to its end", s).isFalse();
    }
  }

  @Test
  void withNoFillInFlightAndCallersDownToTheirLastSparesANewSpareIsOfferedAtOnceUnfilled() throws IOException {
    SparePreparer preparer = preparer(0);
    preparer.step();
    assertThat(offered).as("not left to a fill thread that may get no core in time").hasSize(1);
    assertThat(fillTasks).isEmpty();
    assertThat(offered.get(0).fill()).as("unfilled").isTrue();
    preparer.step();
    assertThat(fillTasks).as("with room again, the next ones are filled").hasSize(3);
  }

  @Test
  void atCloseTheSegmentsBeingFilledAreDeletedAndNothingOfThemStaysMapped() throws IOException {
    SparePreparer preparer = preparer(1);
    preparer.step();
    fillTasks.get(1).run(); // one fill ended, not offered yet (the first has not); two never ran

    preparer.retireFilling();
    assertThat(MappedSpoolTest.segmentFiles(tmp)).isEmpty();
    assertThat(MappedSpoolTest.mappings(tmp)).as("their write windows unmapped, not left to the collector").isEmpty();
    assertThat(offered).isEmpty();
  }

  @Test
  void closeStopsTheFillsDeletesTheirSegmentsAndTheFillThreadsEnd() throws IOException {
    SpoolSettings settings = SpoolSettings.builder().name("fill-close").segmentBytes(MappedSpoolTest.SEGMENT)
        .maxBytes(1024L * MappedSpoolTest.SEGMENT).fillThreads(4).build();
    try (MappedSpool spool = MappedSpool.open(tmp, settings)) {
      byte[] payload = new byte[1000];
      for (int i = 0; i < 20_000; i++) { // 300 segments: the spool rolls through the spares and makes more
        MappedSpoolTest.appendAccepted(spool, payload);
        SpooledRecord r;
        while ((r = spool.reader().next()) != null) {
          spool.markFinal(r.seq()); // delivered: a close with every record final leaves no segment
        }
      }
      // Flat out, the appender keeps the spares low, and low spares are offered unfilled; once it stops, the spool
      // tops them up, the second half by fills.
      await("fills on threads of their own").atMost(Duration.ofSeconds(30)).until(() -> !fillThreads().isEmpty());
    }
    assertThat(MappedSpoolTest.segmentFiles(tmp)).as("spares and segments being filled deleted at close").isEmpty();
    assertThat(MappedSpoolTest.mappings(tmp)).isEmpty();
    assertThat(fillThreads()).as("fill threads ended by the time close returned").isEmpty();
  }

  private static List<Thread> fillThreads() {
    List<Thread> found = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("eventrelayer-fill-close-spool-fill-") && t.isAlive()) {
        found.add(t);
      }
    }
    return found;
  }
}
