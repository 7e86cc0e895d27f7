package org.eventrelayer.core.spool;

import java.util.Map;
import java.util.TreeMap;

/**
 * Which sequence numbers are final: everything below the watermark, plus disjoint ranges above it (records answered
 * out of order, and numbers that recovery found lost). Ranges keep a long run of lost or final numbers (a whole
 * missing segment) at the cost of one entry. Confined to one thread (the spool's reader side).
 */
final class FinalRanges {

  private long watermark;
  /** start -&gt; end (exclusive), disjoint, not touching, all above the watermark. */
  private final TreeMap<Long, Long> ranges = new TreeMap<>();

  FinalRanges(long watermark) {
    this.watermark = watermark;
  }

  /** Reads the flattened {@code [start, end)} pairs of a checkpoint. */
  static FinalRanges of(long watermark, long[] pairs) {
    FinalRanges f = new FinalRanges(watermark);
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      f.add(pairs[i], pairs[i + 1]);
    }
    return f;
  }

  long watermark() {
    return watermark;
  }

  /** Marks {@code [from, to)} final. */
  void add(long from, long to) {
    from = Math.max(from, watermark);
    if (from >= to) {
      return;
    }
    Map.Entry<Long, Long> before = ranges.floorEntry(from);
    if (before != null && before.getValue() >= from) {
      from = before.getKey();
      to = Math.max(to, before.getValue());
      ranges.remove(before.getKey());
    }
    Map.Entry<Long, Long> after = ranges.ceilingEntry(from);
    while (after != null && after.getKey() <= to) {
      to = Math.max(to, after.getValue());
      ranges.remove(after.getKey());
      after = ranges.ceilingEntry(from);
    }
    if (from == watermark) {
      watermark = to;
    } else {
      ranges.put(from, to);
    }
  }

  /** Whether {@code seq} is final. */
  boolean isFinal(long seq) {
    return seq < watermark || covered(seq, seq + 1);
  }

  /** Whether every number in {@code [from, to)} is final. */
  boolean allFinal(long from, long to) {
    return to <= watermark || covered(Math.max(from, watermark), to);
  }

  /** How many numbers in {@code [from, to)} are not final. */
  long countNotFinal(long from, long to) {
    from = Math.max(from, watermark);
    if (from >= to) {
      return 0;
    }
    long n = to - from;
    for (Map.Entry<Long, Long> e : ranges.subMap(ranges.floorKey(from) == null ? from : ranges.floorKey(from),
        true, to, false).entrySet()) {
      n -= Math.max(0, Math.min(to, e.getValue()) - Math.max(from, e.getKey()));
    }
    return n;
  }

  private boolean covered(long from, long to) {
    Map.Entry<Long, Long> e = ranges.floorEntry(from);
    return e != null && e.getValue() >= to;
  }

  /** The ranges above the watermark, flattened as {@code start, end} pairs, at most {@code maxLongs} longs. */
  long[] pairs(int maxLongs) {
    int n = Math.min(ranges.size(), maxLongs / 2);
    long[] out = new long[2 * n];
    int i = 0;
    for (Map.Entry<Long, Long> e : ranges.entrySet()) {
      if (i == out.length) {
        break;
      }
      out[i++] = e.getKey();
      out[i++] = e.getValue();
    }
    return out;
  }

  /** The number of ranges above the watermark. */
  int rangeCount() {
    return ranges.size();
  }
}
