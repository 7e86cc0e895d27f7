package org.eventrelayer.core.spool;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link MappedSpool} is sized and flushed. Built with {@link #builder()}; every value is checked when
 * {@link Builder#build()} runs, and an error names the parameter.
 */
public final class SpoolSettings {

  /** The smallest segment: one page. */
  public static final long MIN_SEGMENT_BYTES = 4096;
  /** The largest segment: offsets in a segment are ints. */
  public static final long MAX_SEGMENT_BYTES = 1L << 30;
  /** Fill threads by default: enough for 8 callers flat out on two cores (docs/spool.md, Measurements, 2026-12-03). */
  public static final int DEFAULT_FILL_THREADS = 3;
  /** The most fill threads. */
  public static final int MAX_FILL_THREADS = 16;

  private final String name;
  private final long maxBytes;
  private final long segmentBytes;
  private final Duration forceInterval;
  private final int fillThreads;

  private SpoolSettings(Builder b) {
    this.name = b.name;
    this.maxBytes = b.maxBytes;
    this.segmentBytes = b.segmentBytes;
    this.forceInterval = b.forceInterval;
    this.fillThreads = b.fillThreads;
  }

  /** A builder with the defaults: 1 GiB, 16 MiB segments, no periodic force, 3 fill threads. */
  public static Builder builder() {
    return new Builder();
  }

  /** A label for the spool's thread and messages. */
  public String name() {
    return name;
  }

  /** Most bytes the segment files may take together, spare segment included. */
  public long maxBytes() {
    return maxBytes;
  }

  /** The size of every segment file. */
  public long segmentBytes() {
    return segmentBytes;
  }

  /** How often the spool's own thread forces written records to the device; zero: only when asked. */
  public Duration forceInterval() {
    return forceInterval;
  }

  /** How many threads fill new segments with zeros at once ({@link Builder#fillThreads}). */
  public int fillThreads() {
    return fillThreads;
  }

  /** The largest payload one record may carry. */
  public int maxPayloadBytes() {
    return (int) segmentBytes - Segment.HEADER - RecordFormat.HEADER - RecordFormat.END_RECORD;
  }

  /** Builds {@link SpoolSettings}. */
  public static final class Builder {
    private String name = "spool";
    private long maxBytes = 1L << 30;
    private long segmentBytes = 16L << 20;
    private Duration forceInterval = Duration.ZERO;
    private int fillThreads = DEFAULT_FILL_THREADS;

    private Builder() {}

    /** A label for the spool's thread and messages (default {@code spool}). */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Most bytes the segment files may take together (default 1 GiB); at least 2 segments. */
    public Builder maxBytes(long maxBytes) {
      this.maxBytes = maxBytes;
      return this;
    }

    /** The size of every segment file (default 16 MiB), from 4 KiB to 1 GiB, a multiple of 8. */
    public Builder segmentBytes(long segmentBytes) {
      this.segmentBytes = segmentBytes;
      return this;
    }

    /** Force written records to the device this often (default zero: only on {@link MappedSpool#force()}). */
    public Builder forceInterval(Duration forceInterval) {
      this.forceInterval = Objects.requireNonNull(forceInterval, "forceInterval");
      return this;
    }

    /**
     * How many threads fill new segments with zeros at once, one segment each (default 3, 1 to 16). Filling is most
     * of what new spool costs, and on a machine with more busy threads than cores each fill thread is one more share
     * of the CPU for it; idle ones end after 30 s.
     */
    public Builder fillThreads(int fillThreads) {
      this.fillThreads = fillThreads;
      return this;
    }

    /**
     * Checks the values and builds the settings.
     *
     * @throws IllegalArgumentException naming the parameter that is out of range
     */
    public SpoolSettings build() {
      if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES || segmentBytes % 8 != 0) {
        throw new IllegalArgumentException("segmentBytes must be a multiple of 8 from " + MIN_SEGMENT_BYTES
            + " to " + MAX_SEGMENT_BYTES + ", was " + segmentBytes);
      }
      if (maxBytes < 2 * segmentBytes) {
        throw new IllegalArgumentException("maxBytes must be at least 2 x segmentBytes (" + 2 * segmentBytes
            + "), was " + maxBytes);
      }
      if (forceInterval.isNegative()) {
        throw new IllegalArgumentException("forceInterval must not be negative, was " + forceInterval);
      }
      if (fillThreads < 1 || fillThreads > MAX_FILL_THREADS) {
        throw new IllegalArgumentException("fillThreads must be from 1 to " + MAX_FILL_THREADS + ", was "
            + fillThreads);
      }
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      return new SpoolSettings(this);
    }
  }
}
