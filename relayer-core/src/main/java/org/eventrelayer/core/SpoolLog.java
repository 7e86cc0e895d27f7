package org.eventrelayer.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The spool's storage engine: an append-only log of {@link SpoolRecord}s in numbered segment files, a
 * {@link Checkpoint} of the finalized prefix, and a lock file, all in one directory owned by one event service.
 *
 * <p>Layout of the directory: {@code lock} (held with {@link FileChannel#tryLock()} while open; holds the owner's
 * pid), {@code checkpoint}, and {@code <20-digit number>.seg} segments. A segment is a 16-byte header
 * ({@code ERSPOOL1}, int version 1, int 0) followed by records. Every open starts a new segment, so a torn tail
 * left by a crash is never appended to; it is skipped when read and deleted with its segment.
 *
 * <p>Threads: one writer calls {@link #append} and {@link #force}; one reader (the delivery worker) calls
 * {@link #cursor}, {@link #checkpoint} and {@link #deleteFinal}. Segment bookkeeping is synchronized. Files and
 * directories it creates are readable and writable by the owner only where the file system supports POSIX
 * permissions.
 */
final class SpoolLog implements AutoCloseable {

  static final String LOCK_FILE = "lock";
  static final String CHECKPOINT_FILE = "checkpoint";
  static final String SEGMENT_SUFFIX = ".seg";
  static final int SEGMENT_HEADER = 16;
  private static final byte[] SEGMENT_MAGIC = "ERSPOOL1".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern SEGMENT_NAME = Pattern.compile("(\\d{20})\\.seg");
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");

  /** Another process, or another service in this JVM, holds the directory's lock. */
  static final class LockedException extends IOException {
    LockedException(String message) {
      super(message);
    }
  }

  /** Records of a previous run that are not final yet: {@code [start, end)} of one segment. */
  record Pending(Segment segment, long start, long end, long count) {}

  /** One segment file. Sizes and sequence numbers are updated by the writer and read by others. */
  static final class Segment {
    final long number;
    final Path path;
    volatile long firstSeq = -1;
    volatile long lastSeq = -1;
    volatile long size;
    private FileChannel reader;
    private boolean deleted;

    Segment(long number, Path path) {
      this.number = number;
      this.path = path;
    }

    /** A channel for positional reads, opened on first use and shared. */
    synchronized FileChannel reader() throws IOException {
      if (deleted) {
        throw new IOException("segment " + path.getFileName() + " was deleted");
      }
      if (reader == null || !reader.isOpen()) { // an interrupt of a reading thread closes the channel
        reader = FileChannel.open(path, StandardOpenOption.READ);
      }
      return reader;
    }

    synchronized void closeReader() {
      if (reader != null) {
        try {
          reader.close();
        } catch (IOException ignored) {
          // nothing to do
        }
        reader = null;
      }
    }

    @Override
    public String toString() {
      return path.getFileName().toString();
    }
  }

  /** The real paths of the spools open in this JVM. */
  private static final Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final Path key;
  private final long segmentBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Checkpoint checkpoint;
  private final List<Segment> segments = new ArrayList<>(); // oldest first; the last one is active
  private final List<Pending> recovered = new ArrayList<>();
  private final long[] recoveredFinals; // final records above the checkpoint's watermark, ascending
  private long recoveredEvents;
  private long corruptRegions;
  private long corruptBytes;
  private long nextSeq;
  private long diskBytes;

  // Writer-confined.
  private Segment active;
  private FileChannel writer;
  private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(256 * 1024);
  private boolean closed;

  private SpoolLog(Path dir, Path key, long segmentBytes, FileChannel lockChannel, FileLock lock,
      Checkpoint checkpoint) {
    this.dir = dir;
    this.key = key;
    this.segmentBytes = segmentBytes;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.checkpoint = checkpoint;
    this.recoveredFinals = checkpoint.finals();
  }

  /**
   * Opens (creating if needed) the spool in {@code dir}: takes the lock, reads the checkpoint, verifies every
   * segment and collects what is not final yet, deletes segments that hold nothing pending, and starts a new
   * segment for appends.
   *
   * @param dir the directory; created owner-only if missing
   * @param segmentBytes roll to a new segment once the active one is this large
   * @throws LockedException if another relayer holds the directory
   * @throws IOException if the directory cannot be used
   */
  static SpoolLog open(Path dir, long segmentBytes) throws IOException {
    createDirectory(dir);
    Path key = dir.toRealPath();
    // Another spool of this JVM on the directory must be refused before a second channel on the lock file is
    // even opened: closing any channel on a file drops every POSIX lock the process holds on it.
    if (!OPEN_IN_THIS_JVM.add(key)) {
      throw locked(dir, "pid " + ProcessHandle.current().pid() + ", this process");
    }
    FileChannel lockChannel;
    FileLock lock;
    try {
      lockChannel = openOwnerOnly(dir.resolve(LOCK_FILE),
          StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // not after the check above, unless someone else in this JVM locks our file
      } catch (IOException | RuntimeException e) {
        lockChannel.close();
        throw e;
      }
      if (lock == null) {
        String holder = readHolder(lockChannel);
        lockChannel.close();
        throw locked(dir, holder);
      }
    } catch (IOException | RuntimeException e) {
      OPEN_IN_THIS_JVM.remove(key);
      throw e;
    }
    SpoolLog log = null;
    try {
      ByteBuffer pid = ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
          .getBytes(StandardCharsets.US_ASCII));
      lockChannel.truncate(0);
      while (pid.hasRemaining()) {
        lockChannel.write(pid, pid.position());
      }
      Path cpPath = dir.resolve(CHECKPOINT_FILE);
      FileChannel cp = openOwnerOnly(cpPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      Checkpoint checkpoint;
      try {
        checkpoint = Checkpoint.read(cpPath, cp);
      } catch (IOException | RuntimeException e) {
        cp.close();
        throw e;
      }
      log = new SpoolLog(dir, key, segmentBytes, lockChannel, lock, checkpoint);
      log.recover();
      log.roll();
      return log;
    } catch (IOException | RuntimeException e) {
      if (log != null) {
        log.release();
      } else {
        lockChannel.close();
        OPEN_IN_THIS_JVM.remove(key);
      }
      throw e;
    }
  }

  private static LockedException locked(Path dir, String holder) {
    return new LockedException("spool directory " + dir + " is in use by another relayer"
        + (holder.isEmpty() ? "" : " (" + holder + ")") + "; each event service needs a spool directory of its own");
  }

  private static String readHolder(FileChannel channel) {
    try {
      ByteBuffer b = ByteBuffer.allocate(64);
      channel.read(b, 0);
      return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private void recover() throws IOException {
    long watermark = checkpoint.watermark();
    long maxSeq = watermark - 1;
    for (long f : recoveredFinals) {
      maxSeq = Math.max(maxSeq, f);
    }
    List<Segment> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SEGMENT_SUFFIX)) {
      for (Path p : files) {
        Matcher m = SEGMENT_NAME.matcher(p.getFileName().toString());
        if (m.matches()) {
          found.add(new Segment(Long.parseLong(m.group(1)), p));
        }
      }
    }
    found.sort((a, b) -> Long.compare(a.number, b.number));
    for (Segment s : found) {
      s.size = Files.size(s.path);
      diskBytes += s.size;
      segments.add(s);
      if (!validHeader(s)) {
        if (s.size > 0) {
          corruptRegions++;
          corruptBytes += s.size;
        }
        continue;
      }
      RecordCursor cursor = new RecordCursor(s.reader(), SEGMENT_HEADER, s.size);
      long start = -1;
      long end = -1;
      long count = 0;
      long prevSeq = Long.MIN_VALUE;
      SpoolRecord r;
      while ((r = cursor.next()) != null) {
        if (r.seq() <= prevSeq) {
          continue; // cannot happen unless the file was tampered with; never replay out of order
        }
        prevSeq = r.seq();
        if (s.firstSeq < 0) {
          s.firstSeq = r.seq();
        }
        s.lastSeq = r.seq();
        maxSeq = Math.max(maxSeq, r.seq());
        if (r.seq() >= watermark && !isRecoveredFinal(r.seq())) {
          if (start < 0) {
            start = cursor.lastStart();
          }
          end = cursor.position();
          count++;
        }
      }
      corruptRegions += cursor.corruptRegions();
      corruptBytes += cursor.corruptBytes();
      if (count > 0) {
        recovered.add(new Pending(s, start, end, count));
        recoveredEvents += count;
      }
    }
    nextSeq = Math.max(watermark, maxSeq + 1);
    // Segments holding nothing pending (all final, or nothing intact) go now.
    for (Segment s : new ArrayList<>(segments)) {
      boolean pending = recovered.stream().anyMatch(p -> p.segment() == s);
      if (!pending) {
        delete(s);
      }
    }
  }

  private static boolean validHeader(Segment s) throws IOException {
    if (s.size < SEGMENT_HEADER) {
      return false;
    }
    ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER);
    FileChannel ch = s.reader();
    while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
      // keep reading
    }
    if (b.hasRemaining()) {
      return false;
    }
    for (int i = 0; i < SEGMENT_MAGIC.length; i++) {
      if (b.get(i) != SEGMENT_MAGIC[i]) {
        return false;
      }
    }
    return b.getInt(8) == 1;
  }

  /** What the previous run left that is not final, oldest first (filled by {@link #open}). */
  List<Pending> recovered() {
    return List.copyOf(recovered);
  }

  /**
   * Whether the checkpoint read at open says record {@code seq} is final although it lies above the watermark:
   * the ranges in {@link #recovered()} may hold such records, and a reader must skip them.
   */
  boolean isRecoveredFinal(long seq) {
    return Arrays.binarySearch(recoveredFinals, seq) >= 0;
  }

  /** The final records above the watermark, ascending, as read from the checkpoint at open. */
  long[] recoveredFinals() {
    return recoveredFinals.clone();
  }

  /** How many records {@link #recovered()} holds, not counting the final ones among them. */
  long recoveredEvents() {
    return recoveredEvents;
  }

  /** Corrupt stretches (torn tails, failed checksums, bad segment headers) skipped while opening. */
  long corruptRegions() {
    return corruptRegions;
  }

  /** Bytes in the corrupt stretches skipped while opening. */
  long corruptBytes() {
    return corruptBytes;
  }

  /** The watermark read from the checkpoint when opened, or last written. */
  long watermark() {
    return checkpoint.watermark();
  }

  /** The directory. */
  Path dir() {
    return dir;
  }

  /** The sequence number the next appended record must carry. Writer-confined. */
  long nextSeq() {
    return nextSeq;
  }

  /** Bytes of all segment files. */
  synchronized long diskBytes() {
    return diskBytes;
  }

  /** The number of segment files. */
  synchronized int segmentCount() {
    return segments.size();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writer.

  /** The segment appends go to. Writer-confined. */
  Segment active() {
    return active;
  }

  /**
   * Appends records to the active segment, first rolling to a new segment if the active one is full; all records
   * of one call go to the same segment. Each record's seq must be {@link #nextSeq()} and onwards. No fsync: see
   * {@link #force()}. On failure the segment is truncated back, so the call can be retried with the same records.
   *
   * @param records the records, in seq order
   * @param starts receives the offset at which each record starts
   * @return the bytes the spool grew by (including a new segment's header)
   */
  long append(List<SpoolRecord> records, long[] starts) throws IOException {
    if (closed) {
      throw new IOException("spool closed");
    }
    long grew = 0;
    if (active.size >= segmentBytes && active.lastSeq >= 0) {
      grew += roll();
    }
    Segment s = active;
    long committed = s.size;
    long at = committed;
    try {
      for (int i = 0; i < records.size(); i++) {
        SpoolRecord r = records.get(i);
        if (r.seq() != nextSeq + i) {
          throw new IllegalArgumentException("record seq " + r.seq() + ", expected " + (nextSeq + i));
        }
        int size = r.encodedSize();
        if (writeBuffer.remaining() < size) {
          at = drain(at);
          if (writeBuffer.capacity() < size) {
            writeBuffer = ByteBuffer.allocateDirect(Math.max(size, writeBuffer.capacity()));
          }
        }
        starts[i] = at + writeBuffer.position();
        r.writeTo(writeBuffer);
      }
      at = drain(at);
    } catch (IOException | RuntimeException e) {
      writeBuffer.clear();
      try {
        writer.truncate(committed);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    nextSeq += records.size();
    synchronized (this) {
      if (!records.isEmpty()) {
        if (s.firstSeq < 0) {
          s.firstSeq = records.get(0).seq();
        }
        s.lastSeq = records.get(records.size() - 1).seq();
      }
      s.size = at;
      diskBytes += at - committed;
    }
    return grew + at - committed;
  }

  private long drain(long at) throws IOException {
    writeBuffer.flip();
    while (writeBuffer.hasRemaining()) {
      at += writer.write(writeBuffer, at);
    }
    writeBuffer.clear();
    return at;
  }

  /** Forces appended records to the device. Writer-confined. */
  void force() throws IOException {
    writer.force(false);
  }

  /** Closes the active segment and starts a new one. Returns the bytes added. */
  private long roll() throws IOException {
    long number;
    synchronized (this) {
      number = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).number + 1;
    }
    if (writer != null) {
      writer.force(false);
      writer.close();
    }
    Path path = dir.resolve(String.format("%020d%s", number, SEGMENT_SUFFIX));
    Segment s = new Segment(number, path);
    FileChannel ch = openOwnerOnly(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER);
    header.put(SEGMENT_MAGIC).putInt(1).putInt(0).flip();
    while (header.hasRemaining()) {
      ch.write(header, header.position());
    }
    ch.force(true);
    syncDirectory();
    s.size = SEGMENT_HEADER;
    writer = ch;
    active = s;
    synchronized (this) {
      segments.add(s);
      diskBytes += SEGMENT_HEADER;
    }
    return SEGMENT_HEADER;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reader.

  /** A cursor over {@code [start, end)} of {@code segment}. */
  RecordCursor cursor(Segment segment, long start, long end) throws IOException {
    return new RecordCursor(segment.reader(), start, end);
  }

  /**
   * Records that every record with a seq below {@code watermark}, and every one in {@code finals}, is final (no
   * fsync), then deletes the segments that hold only records below the watermark, except the active one.
   *
   * @param watermark every record below it is final
   * @param finals final records above the watermark, ascending (at most {@link Checkpoint#MAX_FINALS} are kept)
   * @return the bytes freed
   */
  long checkpoint(long watermark, long[] finals) throws IOException {
    synchronized (this) {
      if (closed) {
        return 0;
      }
      checkpoint.write(watermark, finals);
    }
    return deleteFinal(watermark, false);
  }

  /** Forces the checkpoint to the device. */
  synchronized void syncCheckpoint() throws IOException {
    if (!closed) {
      checkpoint.sync();
    }
  }

  private long deleteFinal(long watermark, boolean includingActive) throws IOException {
    long freed = 0;
    List<Segment> doomed = new ArrayList<>();
    synchronized (this) {
      for (Segment s : segments) {
        if (s == active && !includingActive) {
          continue;
        }
        if (s.lastSeq < watermark) { // also a segment with no intact record (lastSeq -1)
          doomed.add(s);
        }
      }
    }
    for (Segment s : doomed) {
      freed += delete(s);
    }
    if (!doomed.isEmpty()) {
      syncDirectory();
    }
    return freed;
  }

  private long delete(Segment s) throws IOException {
    s.closeReader();
    synchronized (s) {
      s.deleted = true;
    }
    try {
      Files.deleteIfExists(s.path);
    } catch (NoSuchFileException ignored) {
      // already gone
    }
    synchronized (this) {
      if (segments.remove(s)) {
        diskBytes -= s.size;
        return s.size;
      }
    }
    return 0;
  }

  /**
   * Writes and forces the final checkpoint (see {@link #checkpoint}), deletes every segment holding only records
   * below the watermark (the active one too), closes every file and releases the lock. Idempotent.
   */
  void close(long watermark, long[] finals) throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    IOException failure = null;
    try {
      if (writer != null) {
        writer.force(false);
      }
      synchronized (this) {
        checkpoint.write(watermark, finals);
        checkpoint.sync();
      }
      if (writer != null) {
        writer.close();
        writer = null;
      }
      deleteFinal(watermark, true);
    } catch (IOException e) {
      failure = e;
    } finally {
      release();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Releases the lock and closes every file without writing anything. */
  @Override
  public void close() {
    release();
  }

  private void release() {
    List<Segment> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(segments);
    }
    for (Segment s : all) {
      s.closeReader();
    }
    try {
      if (writer != null) {
        writer.close();
      }
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      checkpoint.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    try {
      lockChannel.close();
    } catch (IOException ignored) {
      // nothing left to do
    }
    OPEN_IN_THIS_JVM.remove(key);
  }

  private void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not every platform can fsync a directory (Windows); the file's own fsync is the best it offers.
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Owner-only files.

  /**
   * Creates {@code dir} and any missing parents, owner-only where POSIX permissions exist, and makes {@code dir}
   * itself owner-only if it already existed with wider rights.
   */
  static void createDirectory(Path dir) throws IOException {
    if (!POSIX) {
      Files.createDirectories(dir);
      return;
    }
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_PERMS));
    }
    if (!Files.getPosixFilePermissions(dir).equals(DIR_PERMS)) {
      Files.setPosixFilePermissions(dir, DIR_PERMS); // the service's own directory: nobody else needs it
    }
  }

  private static FileChannel openOwnerOnly(Path path, OpenOption... options) throws IOException {
    Set<OpenOption> opts = Set.of(options);
    FileAttribute<?>[] attrs = POSIX
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_PERMS)}
        : new FileAttribute<?>[0];
    FileChannel ch = FileChannel.open(path, opts, attrs);
    if (POSIX) {
      try {
        if (!Files.getPosixFilePermissions(path).equals(FILE_PERMS)) {
          Files.setPosixFilePermissions(path, FILE_PERMS); // a file left by an older run with wider rights
        }
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }
    return ch;
  }
}
