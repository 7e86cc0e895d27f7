package org.eventrelayer.core.spool;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * How far a spool's segments are on the device, and the forces that move it there: {@link #force} (a writer's, or
 * the force thread's on its interval), the steps the force thread forces ahead of a consumer ({@link
 * #forceAheadStep}), and the forces other threads ask of that thread ({@link #forceAsync}). Its state is guarded by
 * its own lock, never the spool's, which a caller switching segments may need while a force waits on the disk.
 */
final class SegmentForcer {

  /** With a force per batch, the force thread forces ahead of the consumer in steps of this many bytes. */
  static final long FORCE_AHEAD_BYTES = 4L << 20;

  private final SpoolCheckpoint checkpoint;
  /** The segment appended to now. */
  private final Supplier<Segment> current;
  /** A copy of the spool's open segments, oldest first. */
  private final Supplier<List<Segment>> open;
  /** Wakes the force thread ({@link ForceLoop}), which runs {@link #forceIfWanted}. */
  private final Runnable wake;
  /** Forces asked of the force thread: completed by it. */
  private final AtomicReference<CompletableFuture<Void>> wanted = new AtomicReference<>();
  private final Object lock = new Object();
  /** Guarded by {@code lock}: how far the segments were forced (none yet while {@code forcedSegment} is null). */
  private Segment forcedSegment;
  private int forcedTo;
  /**
   * Every record below this number was forced to the device (by the last {@link #force}; the steps ahead of it do
   * not move it: they stop inside a segment, where no record number is known).
   */
  private volatile long forcedBelow;

  SegmentForcer(SpoolCheckpoint checkpoint, Supplier<Segment> current, Supplier<List<Segment>> open, Runnable wake) {
    this.checkpoint = checkpoint;
    this.current = current;
    this.open = open;
    this.wake = wake;
  }

  /** Forces every record appended before this call, and the checkpoint, to the device; blocks on the disk. */
  void force() throws IOException {
    synchronized (lock) {
      Segment upTo = current.get();
      long state = upTo.state.get();
      int end = (int) Math.min(state & 0xFFFFFFFFL, upTo.map.capacity());
      // The records below this number lie below end: all those reserved, or up to the end record once sealed. A
      // reservation that crossed the end before the seal is written takes no record here (its number goes to the
      // next segment): the watermark then stays where it was until the next force.
      int sealedAt = upTo.sealedAt;
      long below = sealedAt >= 0 ? upTo.baseSeq + sealedAt
          : (state & 0xFFFFFFFFL) <= upTo.limit ? upTo.baseSeq + (int) (state >>> 32) : forcedBelow;
      for (Segment s : open.get()) {
        if (!s.appendable() || (forcedSegment != null && s.number < forcedSegment.number)) {
          continue; // recovered (never written), or forced already
        }
        s.force(s == forcedSegment ? forcedTo : 0, s == upTo ? end : s.map.capacity());
        if (s == upTo) {
          break;
        }
      }
      forcedSegment = upTo;
      forcedTo = end;
      checkpoint.force();
      forcedBelow = Math.max(forcedBelow, below);
    }
  }

  /** Every record below this number is on the device already ({@link #force} was called after it was appended). */
  long forcedBelow() {
    return forcedBelow;
  }

  /** Bytes appended and not forced yet. */
  long unforcedBytes() {
    synchronized (lock) {
      Segment c = current.get();
      return c.position(c.reservedEnd()) - forcedPosition();
    }
  }

  /** Where the forced bytes end, as a {@link #position}; guarded by {@code lock}. */
  private long forcedPosition() {
    return forcedSegment == null ? 0 : forcedSegment.position(forcedTo);
  }

  /**
   * With a force per batch ({@code forceInterval} zero), on the force thread: forces the
   * next {@link #FORCE_AHEAD_BYTES} appended and not forced yet, so that a consumer reading a backlog finds it
   * forced (its own force of a whole backlog, tens of megabytes, would stall it). One step at a time, so that the
   * force thread gets to a force asked for after one step's force at most. True if it
   * forced.
   */
  boolean forceAheadStep() {
    synchronized (lock) {
      Segment c = current.get();
      // Only what appenders are done with (their windows released): a page still mapped writable would cost every
      // appender's core an interrupt when written back (see WriteWindows).
      if (c.position(c.forceableTo()) - forcedPosition() < FORCE_AHEAD_BYTES) {
        return false; // little to force: the consumer's own force takes the rest
      }
      Segment s = forcedSegment;
      int from = forcedTo;
      if (s == null) {
        s = open.get().stream().filter(Segment::appendable).findFirst().orElse(c);
        from = 0;
      }
      if (s != c && from >= s.map.capacity()) {
        if (s.next == null) {
          return false;
        }
        s = s.next;
        from = 0;
      }
      int to = (int) Math.min(s.forceableTo(), from + FORCE_AHEAD_BYTES);
      if (to <= from) {
        return false; // the next windows are not released yet
      }
      s.force(from, to);
      forcedSegment = s;
      forcedTo = to;
      return true;
    }
  }

  /**
   * Asks the force thread to {@link #force}; the future completes once everything appended before this call is
   * on the device (exceptionally if the force failed). Never blocks the caller.
   */
  CompletableFuture<Void> forceAsync() {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> before = wanted.compareAndExchange(null, mine);
    wake.run();
    if (before == null) {
      return mine;
    }
    // A force was asked for and may have started before this call's appends: wait for the one after it.
    return before.handle((v, e) -> null).thenCompose(v -> forceAsync());
  }

  /** The force thread: runs the force asked for, if any, and completes its future. */
  void forceIfWanted() {
    CompletableFuture<Void> w = wanted.get();
    if (w == null) {
      return;
    }
    try {
      force();
      wanted.set(null);
      w.complete(null);
    } catch (IOException | RuntimeException e) {
      wanted.set(null);
      w.completeExceptionally(e);
    }
  }

  /** At close, once the force thread has stopped: a force still asked for fails (the close forces instead). */
  void failWanted() {
    CompletableFuture<Void> w = wanted.getAndSet(null);
    if (w != null) {
      w.completeExceptionally(new IOException("spool closed"));
    }
  }
}
