package org.eventrelayer.core.spool;

import java.util.List;

/**
 * What opening a spool found: the records to replay, and every record lost with its reason. Lost records are found
 * from the sequence numbers, which have no holes: a number that no intact record carries, that is not final and
 * that lies below the highest number the spool is known to have reached is lost, and the bytes around it say why.
 *
 * @param segments segment files found
 * @param replayable records that are not final yet; the reader returns them before anything new
 * @param lostDamaged records lost to damaged bytes (a failed checksum, a bad magic or length)
 * @param lostMissing records whose bytes are nowhere: a segment file, or the end of one, was deleted or truncated
 * @param unpublished records whose space was reserved but that were never published: an append that had not
 *     returned when the process died (its caller was not told it was accepted), or unforced writes lost by an
 *     operating-system crash
 * @param damagedStretches stretches of damaged bytes skipped
 * @param damagedBytes bytes in those stretches
 * @param damagedHeaders segment headers that did not check (no record is lost to them: records carry their own)
 * @param movedAside segment files moved to the {@code damaged} subdirectory for inspection, once nothing in them was
 *     left to replay (every file holding damaged bytes is, instead of being deleted); moves done at open are listed
 */
public record RecoveryReport(int segments, long replayable, long lostDamaged, long lostMissing, long unpublished,
    long damagedStretches, long damagedBytes, int damagedHeaders, List<String> movedAside) {

  /** Records lost for any reason except {@link #unpublished}. */
  public long lost() {
    return lostDamaged + lostMissing;
  }

  /** Whether anything was damaged, lost or moved aside. */
  public boolean clean() {
    return lost() == 0 && unpublished == 0 && damagedStretches == 0 && damagedHeaders == 0 && movedAside.isEmpty();
  }

  /** One line for a log. */
  public String describe() {
    return segments + " segment(s), " + replayable + " record(s) to replay, " + lostDamaged
        + " lost to damaged bytes (" + damagedStretches + " stretch(es), " + damagedBytes + " bytes), " + lostMissing
        + " lost with missing or truncated files, " + unpublished + " never published, " + damagedHeaders
        + " damaged segment header(s)" + (movedAside.isEmpty() ? "" : ", moved aside: " + movedAside);
  }
}
