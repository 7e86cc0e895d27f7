package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.eventrelayer.core.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A write-ahead spool of records in memory-mapped segment files, durable the moment {@link #append} returns: the
 * record is then in the page cache through a shared mapping, which survives {@code kill -9}, an OOM kill and a JVM
 * crash. {@link #force()} adds the operating-system crash and power loss.
 *
 * <p>Appending (any thread, lock-free): one atomic add on the current segment reserves the space and gives the
 * record its sequence number; the caller copies the bytes into the mapping and publishes the record by storing its
 * length/checksum word last, with release semantics. No caller ever creates, maps or waits for a file: the next
 * segment is created, zero-filled and mapped ahead by the spool's thread ({@code eventrelayer-<name>-spool}). The
 * caller whose reservation crosses a segment's end writes its end-of-segment record and switches the spool to the
 * prepared segment; a full spool, or a segment that is not ready, is a counted {@link Refusal}, never a wait.
 *
 * <p>Reading (one thread, the consumer): {@link #reader()} returns first the records an earlier run left that are
 * not final, then the new ones in order. The consumer tells the spool which records are final (delivered or given
 * up) with {@link #markFinal}, and {@link #checkpoint()} records that and deletes segments holding only final
 * records. {@link #markFinal}, {@link #checkpoint()} and the reader belong to that one thread.
 *
 * <p>Opening recovers: it verifies every record, skips and counts damage, finds lost records through the gaps in
 * the sequence numbers and reports them with their reason ({@link #recovery()}), and moves segments with damaged
 * bytes aside instead of deleting them. See docs/spool.md for the format and what survives which failure.
 */
public final class MappedSpool implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MappedSpool.class);
  private static final long RESERVE_ONE = 1L << 32;
  private static final byte[] NO_BYTES = new byte[0];
  /** How long a close waits for appenders that reserved space before it to publish their records. */
  private static final long CLOSE_PUBLISH_WAIT_NANOS = 1_000_000_000L;
  /** How long a close waits for the spool's thread and its force thread to stop (a disk that hangs). */
  private static final long CLOSE_THREAD_WAIT_NANOS = 10_000_000_000L;
  private static final ThreadLocal<RecordFormat.Scratch> SCRATCH =
      ThreadLocal.withInitial(RecordFormat.Scratch::new);

  private final Path dir;
  private final SpoolSettings settings;
  private final SpoolLock lock;
  private final SpoolCheckpoint checkpoint;
  private final SegmentStore store;
  private final RecoveryReport recovery;
  private final FinalRanges finals;
  private final LongAdder[] refused = new LongAdder[Refusal.values().length];
  private final RateLimitedLogger rateLimited = new RateLimitedLogger(log, Duration.ofSeconds(30));
  private final SpoolReader reader;
  /** The spool's thread ({@code eventrelayer-<name>-spool}). */
  private final Thread thread;
  /** Runs the forces ({@code eventrelayer-<name>-spool-force}), so that no force holds back a spare. */
  private final Thread forceThread;
  /** Every open segment, oldest first: recovered ones, then the ones appended to. Guarded by {@code this}. */
  private final Deque<Segment> segments = new ArrayDeque<>();

  private volatile Segment current;
  /** Segments prepared ahead, taken by {@link #roll}. Guarded by {@code this}; the count is read without it. */
  private final Deque<Segment> spares = new ArrayDeque<>();
  private volatile int spareCount;
  private volatile boolean closed;
  /** Prepares the spares; the spool's thread (the opening one before it starts). */
  private final SparePreparer preparer;
  /** Touches the pages just ahead of the appenders again; the spool's thread only. */
  private final LeadToucher lead;
  /** How far the segments are on the device; the forces. */
  private final SegmentForcer forcer;
  /** The oldest segment of this run whose write windows are not all released; the spool's thread only. */
  private Segment releasing;
  /**
   * The numbers of appends that failed after reserving their space: never published and never final unless the
   * consumer marks them so ({@link #settleAbandoned}); a flush would wait for them forever.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<Long> abandoned =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private MappedSpool(Path dir, SpoolSettings settings, SpoolLock lock, SpoolCheckpoint checkpoint,
      SegmentStore store, Recovery recovered, FinalRanges finals, Segment first) {
    this.dir = dir;
    this.settings = settings;
    this.lock = lock;
    this.checkpoint = checkpoint;
    this.store = store;
    this.recovery = recovered.report();
    this.finals = finals;
    for (int i = 0; i < refused.length; i++) {
      refused[i] = new LongAdder();
    }
    segments.addAll(recovered.pending());
    segments.add(first);
    this.current = first;
    this.releasing = first;
    this.reader = new SpoolReader(recovered.pending(), first, finals);
    this.thread = new Thread(this::spoolLoop, "eventrelayer-" + settings.name() + "-spool");
    thread.setDaemon(true);
    this.forcer = new SegmentForcer(checkpoint, () -> current, this::openSegments,
        this::wakeForceThread);
    this.forceThread = new Thread(new ForceLoop(forcer, settings.forceInterval().toNanos(), () -> closed,
        rateLimited, dir), "eventrelayer-" + settings.name() + "-spool-force");
    forceThread.setDaemon(true);
    this.lead = new LeadToucher(() -> current, this::firstSpare);
    this.preparer = new SparePreparer(dir, settings, store, new SparePreparer.Spares() {
      @Override
      public int count() {
        return spareCount;
      }

      @Override
      public void offer(Segment s) throws IOException {
        addSpare(s);
      }

      @Override
      public List<Segment> ahead() {
        return segmentsAhead();
      }
    }, rateLimited, () -> LockSupport.unpark(thread));
  }

  /** A method, not a lambda: the force thread is made after the forcer that wakes it. */
  private void wakeForceThread() {
    LockSupport.unpark(forceThread);
  }

  /** The spare the next roll takes, or null. */
  private synchronized Segment firstSpare() {
    return spares.peekFirst();
  }

  /** The segment appended to now, then the spares in the order a roll takes them. */
  private synchronized List<Segment> segmentsAhead() {
    List<Segment> ahead = new ArrayList<>(spares.size() + 1);
    ahead.add(current);
    ahead.addAll(spares);
    return ahead;
  }

  /** A copy of the open segments, oldest first. */
  private synchronized List<Segment> openSegments() {
    return new ArrayList<>(segments);
  }

  /**
   * Opens the spool in {@code dir} (created owner-only if missing): takes its locks, recovers what an earlier run
   * left, and starts a new segment (a segment is never appended to after a restart).
   *
   * @throws SpoolLockedException if another spool, in this process or another, uses the directory
   * @throws IOException if the directory cannot be used; an entry named like a segment that is not a regular file
   *     is named in the message
   */
  public static MappedSpool open(Path dir, SpoolSettings settings) throws IOException {
    SpoolFiles.createDirectory(dir);
    SpoolLock lock = SpoolLock.acquire(dir);
    SpoolCheckpoint checkpoint = null;
    try {
      checkpoint = SpoolCheckpoint.open(dir);
      FinalRanges finals = FinalRanges.of(checkpoint.watermark(), checkpoint.finals());
      SegmentStore store = new SegmentStore(dir, settings.segmentBytes());
      Recovery recovered = Recovery.run(store, finals, checkpoint.next());
      Segment first;
      try {
        store.reserve(Long.MAX_VALUE); // the spool must be able to start even when recovery filled it
        first = store.createReserved();
        first.activate(recovered.nextSeq());
      } catch (IOException | RuntimeException e) {
        recovered.pending().forEach(store::release);
        throw e;
      }
      MappedSpool spool = new MappedSpool(dir, settings, lock, checkpoint, store, recovered, finals, first);
      RecoveryReport r = spool.recovery;
      if (r.lost() > 0 || r.damagedStretches() > 0 || r.damagedHeaders() > 0 || !r.movedAside().isEmpty()) {
        log.warn("eventrelayer spool {}: recovered with losses or damage: {}", dir, r.describe());
      } else if (!r.clean() || r.replayable() > 0) {
        log.info("eventrelayer spool {}: {}", dir, spool.recovery.describe());
      }
      spool.checkpoint(); // the lost numbers are final now: record it before anything can be appended
      // Allocate the first segment's pages here, before the first append: the spool's thread would be behind the
      // callers of a burst right after the start, and each would take a page fault per page in its append.
      spool.preparer.fillWhole(first);
      while (first.touch(1024)) {
        Thread.onSpinWait();
      }
      spool.preparer.prepareAll(); // likewise the segments after it
      spool.thread.start();
      spool.forceThread.start();
      return spool;
    } catch (IOException | RuntimeException e) {
      if (checkpoint != null) {
        checkpoint.close();
      }
      lock.close();
      throw e;
    }
  }

  /** What opening found: records to replay, and every lost record with its reason. */
  public RecoveryReport recovery() {
    return recovery;
  }

  /** The directory. */
  public Path dir() {
    return dir;
  }

  /**
   * Appends a record; any thread, lock-free, never waits on a file or another thread (except for the few
   * instructions of a caller switching to the next segment). When this returns a sequence number, the record is in
   * the mapped segment: a crash of the process can no longer lose it.
   *
   * @param payload the record's bytes
   * @return the record's sequence number (zero or more), or a negative {@link Refusal#code()}: see {@link Refusal#of}
   */
  public long append(byte[] payload) {
    return append(payload, 0, payload.length);
  }

  /**
   * Appends {@code payload[off, off + len)}; see {@link #append(byte[])}.
   *
   * @return the record's sequence number, or a negative {@link Refusal#code()}
   */
  public long append(byte[] payload, int off, int len) {
    if (len > settings.maxPayloadBytes()) {
      return refuse(Refusal.TOO_LARGE);
    }
    int size = RecordFormat.footprint(len);
    RecordFormat.Scratch scratch = SCRATCH.get();
    while (true) {
      Segment s = current;
      if (closed) {
        return refuse(Refusal.CLOSED);
      }
      if (s.sealedAt < 0) {
        long state = s.state.getAndAdd(RESERVE_ONE + size);
        long at = state & 0xFFFFFFFFL;
        int index = (int) (state >>> 32);
        if (at + size <= s.limit) {
          long seq = s.baseSeq + index;
          try {
            s.write((int) at, RecordFormat.TYPE_DATA, seq, payload, off, len, scratch);
          } catch (InternalError | RuntimeException e) { // a page the file system could not allocate (disk full)
            s.holes = true; // the reader skips the unpublished space
            abandoned.add(seq); // refused, so final: nothing waits for it
            rateLimited.error("spool-fault", "eventrelayer spool {}: a write into the mapping failed: {}", dir,
                e.toString());
            return refuse(Refusal.UNAVAILABLE);
          }
          return seq;
        }
        sealOrAwait(s, state, scratch);
      }
      if (current == s && !roll(s)) {
        return refuse(closed ? Refusal.CLOSED : noSegment());
      }
    }
  }

  /**
   * After a reservation that did not fit in {@code s} ({@code state}: the segment's state before it): if it is the
   * one that crossed the end, closes the segment with the end-of-segment record; else waits until that one has.
   */
  private static void sealOrAwait(Segment s, long state, RecordFormat.Scratch scratch) {
    long at = state & 0xFFFFFFFFL;
    int index = (int) (state >>> 32);
    if (at <= s.limit) {
      try {
        s.write((int) at, RecordFormat.TYPE_END, s.baseSeq + index, NO_BYTES, 0, 0, scratch);
      } catch (InternalError | RuntimeException e) { // a page the file system could not allocate (disk full)
        s.holes = true; // sealed all the same: the appenders waiting for the seal must not wait for ever
      }
      s.lastSeq = s.baseSeq + index - 1;
      s.sealedAt = index;
    } else {
      awaitSealed(s); // a few instructions of the caller that crossed the end, unless it was descheduled
    }
  }

  private static void awaitSealed(Segment s) {
    for (int spins = 0; s.sealedAt < 0; spins++) {
      if (spins > 64) {
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
  }

  /**
   * Switches from the sealed segment {@code s} to the spare one, if {@code s} is still current.
   *
   * @return false if there is no spare segment (the spool is full, or the spare is not ready)
   */
  private synchronized boolean roll(Segment s) {
    if (current != s) {
      return true;
    }
    Segment next = closed ? null : spares.pollFirst();
    spareCount = spares.size();
    LockSupport.unpark(thread);
    if (next == null) {
      return false;
    }
    next.activate(s.baseSeq + s.sealedAt);
    s.next = next;
    segments.add(next);
    current = next;
    return true;
  }

  /** Why no segment was there to roll to: the files would pass maxBytes, or the spare was not ready. */
  private Refusal noSegment() {
    boolean full = !preparer.preparing() && store.usedBytes() + settings.segmentBytes() > settings.maxBytes();
    return full ? Refusal.FULL : Refusal.UNAVAILABLE;
  }

  private long refuse(Refusal r) {
    refused[r.ordinal()].increment();
    if (r == Refusal.FULL || r == Refusal.UNAVAILABLE) {
      rateLimited.warn("spool-" + r.reason(), "eventrelayer spool {}: refusing records ({}): {}", dir, r.reason(),
          r == Refusal.FULL ? "segment files reached " + settings.maxBytes() + " bytes (maxBytes)"
              : "no segment ready to append to");
    }
    return r.code();
  }

  /** How many appends were refused for {@code reason}. */
  public long refused(Refusal reason) {
    return refused[reason.ordinal()].sum();
  }

  /** The sequence number the next append will take (at least; appends in progress may have taken it). */
  public long nextSeq() {
    Segment s = current;
    int index = (int) (s.state.get() >>> 32);
    return s.baseSeq + (s.sealedAt >= 0 ? s.sealedAt : index);
  }

  /** Bytes the segment files take now, the spare segment included; at most {@link SpoolSettings#maxBytes()}. */
  public long usedBytes() {
    return store.usedBytes();
  }

  /** The segment appended to now (tests). */
  Segment appendingSegment() {
    return current;
  }

  /** The reader of the spool's records, for the consumer thread. There is one. */
  public SpoolReader reader() {
    return reader;
  }

  // ---------------------------------------------------------------------------------------------------------
  // The consumer's side.

  /** The number below which every record is final (delivered, given up, or lost). Consumer thread only. */
  public long finalBelow() {
    return finals.watermark();
  }

  /**
   * Marks final the numbers of appends that failed after reserving their space (their callers were refused), so
   * that the final watermark can pass them. Consumer thread only.
   *
   * @return whether there were any
   */
  public boolean settleAbandoned() {
    boolean any = false;
    for (Long seq = abandoned.poll(); seq != null; seq = abandoned.poll()) {
      finals.add(seq, seq + 1);
      any = true;
    }
    return any;
  }

  /** Marks record {@code seq} final (delivered, or given up): it will not be replayed. Consumer thread only. */
  public void markFinal(long seq) {
    finals.add(seq, seq + 1);
  }

  /**
   * Records in the checkpoint which records are final and deletes the segments that hold only final records
   * (moving those with damaged bytes aside). No fsync: a process crash keeps it; {@link #force()} forces it.
   * Consumer thread only.
   *
   * @return the bytes of the segment files removed
   */
  public long checkpoint() throws IOException {
    checkpoint.write(finals.watermark(), finals.pairs(SpoolCheckpoint.MAX_FINALS), reader.nextSeq());
    long freed = 0;
    List<Segment> done = new ArrayList<>();
    synchronized (this) {
      for (Segment s : segments) {
        boolean sealed = s != current && s.lastSeq >= 0;
        if (sealed && reader.isPast(s) && finals.allFinal(s.baseSeq, s.lastSeq + 1)) {
          done.add(s);
        }
      }
      segments.removeAll(done);
    }
    for (Segment s : done) {
      freed += s.map.capacity();
      Path moved = store.retire(s);
      if (moved != null) {
        log.warn("eventrelayer spool {}: moved segment {} aside to {}: it holds damaged bytes", dir, s, moved);
      }
    }
    if (!done.isEmpty()) {
      LockSupport.unpark(thread); // room for a spare again
    }
    return freed;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Durability against the operating system.

  /**
   * Forces every record appended before this call, and the checkpoint, to the device (the level that survives an
   * operating-system crash or power loss; a process crash loses nothing once {@code append} returned). Blocks on
   * the disk: call it from a writer or flusher thread, never where a caller must not wait.
   */
  public void force() throws IOException {
    forcer.force();
  }

  /** Every record below this number is on the device already ({@link #force()} was called after it was appended). */
  public long forcedBelow() {
    return forcer.forcedBelow();
  }

  /** Bytes appended and not forced yet (tests). */
  long unforcedBytes() {
    return forcer.unforcedBytes();
  }

  /**
   * Asks the force thread to {@link #force()}; the future completes once everything appended before this call
   * is on the device (exceptionally if the force failed). Never blocks the caller.
   */
  public CompletableFuture<Void> forceAsync() {
    return forcer.forceAsync();
  }

  // ---------------------------------------------------------------------------------------------------------
  // The spool's thread: prepares the next segments (the forces are the force thread's: ForceLoop).

  private void addSpare(Segment s) throws IOException {
    Segment c;
    synchronized (this) {
      if (closed) {
        s.releaseWindows(); // never appended to; this is the spool's thread, the only one that touched it
        store.retire(s);
        return;
      }
      spares.addLast(s);
      spareCount = spares.size();
      c = current;
    }
    if (c.sealedAt >= 0) {
      roll(c); // callers were refused while no segment was ready: take appends again
    }
  }

  private void spoolLoop() {
    while (!closed) {
      boolean more = false;
      long lookAgain = Long.MAX_VALUE; // the most the lead touch may wait (see LeadToucher)
      try {
        releaseWritten();
        // Before a step of preparing (it may take milliseconds), unless behind with the spares: a missing spare is
        // a refusal, a cold page a few µs (docs/spool.md, 2026-12-02 afternoon).
        lookAgain = lead.touch(System.nanoTime(), preparer.behind());
        more = preparer.step();
        more |= lookAgain == 0;
      } catch (IOException | RuntimeException e) {
        rateLimited.error("spool-prepare", "eventrelayer spool {}: {}", dir, e.toString());
      } catch (InternalError e) { // a fault in a mapping: the file system could not allocate a page (disk full)
        rateLimited.error("spool-fault", "eventrelayer spool {}: cannot allocate segment pages: {}", dir,
            e.toString());
      }
      if (!more) {
        LockSupport.parkNanos(this, Math.min(200_000_000L, lookAgain));
      }
    }
  }

  /** Unmaps the write windows appenders are done with, from the oldest segment that has some left. */
  private void releaseWritten() {
    Segment s = releasing;
    while (true) {
      s.releaseWritten();
      boolean done = s.released() || (s.holes && s.sealedAt >= 0); // a failed append keeps its windows mapped
      Segment next = s.next;
      if (!done || next == null) {
        break;
      }
      s = next;
    }
    releasing = s;
  }

  /**
   * At close, once appends are refused: closes the segment appended to with its end record, so that an appender
   * that passed the closed check can no longer reserve space (it is refused as closed). Then, if the spool's thread
   * has stopped, takes over its walk over the published records ({@link #releaseWritten}) for a moment, until those
   * reserved before the seal are published and every window written is unmapped, the sealed segment's up to its end
   * record: nothing writes there any more. A record still unpublished after that is kept all the same (it is not
   * read, so its segment is not deleted); only its window is left to the collector.
   */
  private void sealForClose(boolean threadStopped) {
    Segment c = current; // no roll after closed is set
    if (c.sealedAt < 0) {
      sealOrAwait(c, c.state.getAndAdd(RESERVE_ONE + c.map.capacity()), SCRATCH.get());
    }
    if (!threadStopped) {
      return; // stuck on the disk: the windows are its to walk, or the collector's
    }
    long deadline = System.nanoTime() + CLOSE_PUBLISH_WAIT_NANOS;
    try {
      releaseWritten();
      while (!c.released() && !c.holes && System.nanoTime() - deadline < 0) {
        Thread.yield(); // an appender that reserved before the seal is still copying its record
        releaseWritten();
      }
    } catch (RuntimeException e) { // only mappings are at stake: the close still forces and writes the checkpoint
      rateLimited.error("spool-unmap", "eventrelayer spool {}: cannot unmap the windows written: {}", dir,
          e.toString());
    }
  }

  /** At close: the segment appended to goes too if everything in it is final (a clean close leaves no file). */
  private void retireCurrentIfFinal() throws IOException {
    Segment c = current;
    long end = nextSeq();
    if (reader.nextSeq() < end || !finals.allFinal(c.baseSeq, end)) {
      return;
    }
    synchronized (this) {
      segments.remove(c);
    }
    store.retire(c);
  }

  /**
   * Closes the spool: stops appends (later ones are refused with {@link Refusal#CLOSED}), writes the checkpoint,
   * forces everything to the device and releases the directory. Records not final stay for the next open. Call it
   * from the consumer thread, or once the consumer has stopped.
   */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    LockSupport.unpark(thread);
    LockSupport.unpark(forceThread);
    try {
      // Both threads are woken together and waited for together: at most 10 s in all, as with one thread.
      long deadline = System.nanoTime() + CLOSE_THREAD_WAIT_NANOS;
      TimeUnit.NANOSECONDS.timedJoin(thread, CLOSE_THREAD_WAIT_NANOS);
      TimeUnit.NANOSECONDS.timedJoin(forceThread, deadline - System.nanoTime()); // none left: no wait
      forcer.failWanted(); // close() forces below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Once stopped, the spool's thread stays stopped: what it alone touches (windows, spares) is this thread's now.
    boolean threadStopped = !thread.isAlive();
    try {
      sealForClose(threadStopped);
      force();
      settleAbandoned(); // refused appends: never accepted, so not lost records at the next start
      checkpoint();
      retireCurrentIfFinal();
    } finally {
      synchronized (this) {
        for (Segment seg : segments) {
          store.release(seg);
        }
        segments.clear();
        for (Segment seg : spares) {
          if (threadStopped) { // else, stuck, it may still touch the spares' windows
            seg.releaseWindows(); // never appended to
          }
          store.retire(seg);
        }
        spares.clear();
        if (threadStopped) { // else the spool's thread, stuck, may still start a fill or offer one
          preparer.retireFilling();
        } else {
          preparer.stopFillThreads();
        }
      }
      checkpoint.close(!forceThread.isAlive()); // a force thread stuck in a force may still touch it
      lock.close();
    }
  }
}
