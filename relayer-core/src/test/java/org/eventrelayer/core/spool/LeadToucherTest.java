package org.eventrelayer.core.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool's thread touches the pages just ahead of the appenders again ({@link LeadToucher}): how far ahead it
 * goes at a given rate, that it reaches into the next segment, that it stands back while short of spares, that it
 * says when a step stopped short of the lead, and that a touch never changes a byte an appender wrote.
 */
class LeadToucherTest {

  private static final long MS = 1_000_000L;

  @TempDir Path tmp;

  @Test
  void theLeadIsWhatTheAppendersWriteInThirtyMillisecondsWithinItsBounds() {
    LeadToucher lead = new LeadToucher(() -> null, () -> null);
    assertThat(lead.updateLead(0, 0)).as("first look: nothing to compare with").isFalse();
    assertThat(lead.leadBytes()).isEqualTo(LeadToucher.MIN_LEAD_BYTES);

    assertThat(lead.updateLead(1 << 20, 10 * MS)).as("1 MiB in 10 ms").isTrue();
    assertThat(lead.leadBytes()).isEqualTo(3 << 20);

    assertThat(lead.updateLead((1 << 20) + 4096, 10 * MS + 1000)).as("a move within a microsecond").isTrue();
    assertThat(lead.leadBytes()).as("kept: too short a gap to measure a rate").isEqualTo(3 << 20);

    assertThat(lead.updateLead(1L << 30, 20 * MS)).isTrue();
    assertThat(lead.leadBytes()).as("a flood: capped").isEqualTo(LeadToucher.MAX_LEAD_BYTES);

    assertThat(lead.updateLead(1L << 30, 40 * MS)).as("no append since").isFalse();
    assertThat(lead.leadBytes()).isEqualTo(LeadToucher.MIN_LEAD_BYTES);
  }

  @Test
  void touchesUpToTheLeadIntoTheNextSegmentWithoutChangingAByteAndNotWhileBehind() throws IOException {
    int segmentBytes = 1 << 20;
    SegmentStore store = new SegmentStore(tmp, segmentBytes);
    Segment current = create(store);
    Segment next = create(store);
    current.activate(0);
    byte[] payload = new byte[3000];
    new Random(3).nextBytes(payload);
    RecordFormat.Scratch scratch = new RecordFormat.Scratch();
    int size = RecordFormat.footprint(payload.length);
    int at = (int) current.state.getAndAdd((1L << 32) + size);
    current.write(at, RecordFormat.TYPE_DATA, 0, payload, 0, payload.length, scratch);

    LeadToucher lead = new LeadToucher(() -> current, () -> next);
    assertThat(lead.touch(0, false)).as("no append seen yet: no hurry").isEqualTo(Long.MAX_VALUE);
    long reserved = current.reservedEnd();
    assertThat(current.leadTouchedTo()).as("the minimum lead, in whole pages")
        .isEqualTo(pageUp(reserved + LeadToucher.MIN_LEAD_BYTES));

    int leadBytes = 3 << 19;
    lead.updateLead(current.position(reserved) + leadBytes, 30 * MS); // 1.5 MiB in 30 ms
    assertThat(lead.leadBytes()).isEqualTo(leadBytes);
    long lookAgain = lead.touch(30 * MS + 1000, true);
    assertThat(lookAgain).as("the appenders moved (as far as it knows)").isNotEqualTo(Long.MAX_VALUE);
    assertThat(current.leadTouchedTo()).as("short of spares: it only looks")
        .isEqualTo(pageUp(reserved + LeadToucher.MIN_LEAD_BYTES));
    assertThat(lookAgain).as("standing back is not unfinished work").isEqualTo(LeadToucher.WAKE_NANOS);
    assertThat(next.leadTouchedTo()).isZero();

    int before = current.leadTouchedTo();
    lookAgain = lead.touch(30 * MS + 2000, false); // within a millisecond of the last look: the lead stays
    int touched = (current.leadTouchedTo() - before) / Segment.PAGE
        + Math.max(0, next.leadTouchedTo() / Segment.PAGE - 1); // the next segment's start at its second page
    assertThat(touched).as("pages touched in one step").isEqualTo(Segment.TOUCH_STEP_PAGES);
    assertThat(lookAgain).as("stopped at the step, short of the lead: the loop turns again at once").isZero();
    for (int step = 1; step <= 3; step++) {
      lookAgain = lead.touch(30 * MS + 2000 + step, false);
    }
    assertThat(lookAgain).as("the lead reached").isNotZero();
    assertThat(current.leadTouchedTo()).isEqualTo(segmentBytes);
    assertThat(next.leadTouchedTo()).as("the lead past the end goes on in the next segment")
        .isEqualTo(pageUp(reserved + leadBytes - segmentBytes));

    int length = RecordFormat.check(current.map, at, segmentBytes, scratch);
    assertThat(length).as("the record is intact").isEqualTo(RecordFormat.HEADER + payload.length);
    assertThat(RecordFormat.payload(current.map, at, length)).isEqualTo(payload);
    for (int p = at + size; p < segmentBytes; p++) {
      assertThat(current.map.get(p)).as("byte %d", p).isZero();
    }
    store.retire(current);
    store.retire(next);
  }

  private static long pageUp(long offset) {
    return (offset + Segment.PAGE - 1) & -Segment.PAGE;
  }

  private static Segment create(SegmentStore store) throws IOException {
    assertThat(store.reserve(Long.MAX_VALUE)).isTrue();
    return store.createReserved();
  }
}
