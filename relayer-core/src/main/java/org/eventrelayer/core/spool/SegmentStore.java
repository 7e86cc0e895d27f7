package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The segment files of one spool directory: lists, creates, opens, deletes and moves them aside, and keeps the
 * count of bytes they take. Thread-safe (the counters are atomic; each method works on its own file).
 */
final class SegmentStore {

  static final String DAMAGED_DIR = "damaged";
  private static final Pattern NAME = Pattern.compile("\\d{20}\\" + Segment.SUFFIX);
  private static final String TMP = ".tmp";

  private final Path dir;
  private final long segmentBytes;
  private final AtomicLong usedBytes = new AtomicLong();
  private final AtomicLong nextNumber = new AtomicLong(1);

  SegmentStore(Path dir, long segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /** Bytes of the segment files open now. */
  long usedBytes() {
    return usedBytes.get();
  }

  /**
   * The segment files of the directory, oldest first; removes what an interrupted preparation left.
   *
   * @throws IOException naming an entry that is named like a segment but is not a regular file
   */
  List<Path> list() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        if (name.endsWith(Segment.SUFFIX + TMP) && Files.isRegularFile(p)) {
          Files.deleteIfExists(p); // never renamed into place: it never held a record
          continue;
        }
        if (!NAME.matcher(name).matches()) {
          continue;
        }
        if (!Files.isRegularFile(p)) {
          throw new IOException("spool directory " + dir + " holds " + p + ", named like a segment file but not a"
              + " regular file; move it out of the spool directory");
        }
        out.add(p);
      }
    }
    out.sort(null);
    if (!out.isEmpty()) {
      nextNumber.set(number(out.get(out.size() - 1)) + 1);
    }
    return out;
  }

  static long number(Path p) {
    String n = p.getFileName().toString();
    return Long.parseLong(n.substring(0, n.length() - Segment.SUFFIX.length()));
  }

  /** Opens and locks a segment left by an earlier run, mapped read-only. */
  Segment openExisting(Path p) throws IOException {
    FileChannel ch = SpoolFiles.openOwnerOnly(p, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
    try {
      FileLock lock = SpoolLock.lock(ch, dir, p);
      long size = Math.min(ch.size(), Integer.MAX_VALUE & ~7L);
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      usedBytes.addAndGet(ch.size());
      return new Segment(number(p), p, ch, lock, map, null);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Reserves the bytes of one more segment; false if that would take the files past {@code maxBytes}. A
   * compare-and-set, not an add taken back: callers read the count to tell a full spool from one whose spare is
   * late, and must never see a reservation that is refused.
   */
  boolean reserve(long maxBytes) {
    long used;
    do {
      used = usedBytes.get();
      if (used + segmentBytes > maxBytes) {
        return false;
      }
    } while (!usedBytes.compareAndSet(used, used + segmentBytes));
    return true;
  }

  /**
   * Creates the next segment in bytes {@link #reserve reserved} for it (released if this fails): a sparse file of
   * the segment's size, header written and mapped, then renamed into place. This takes a fraction of a
   * millisecond; a fill thread then {@link Segment#fill fills} the segment before the spool offers it (unless the
   * callers are short of spares: then at once, sparse), and the spool's thread {@link Segment#touch touches} its
   * pages (where a caller gets there first, that caller's first write to the page takes the fault).
   *
   * @throws IOException also when the file system has less than twice the segment's size left: a write through
   *     the mapping into a page the disk has no room for would fault in the appending thread
   */
  Segment createReserved() throws IOException {
    long usable;
    try {
      usable = Files.getFileStore(dir).getUsableSpace();
    } catch (IOException | RuntimeException e) {
      usedBytes.addAndGet(-segmentBytes);
      throw e;
    }
    if (usable < 2 * segmentBytes) {
      usedBytes.addAndGet(-segmentBytes);
      throw new IOException("the file system of " + dir + " has " + usable + " bytes left, less than two segments");
    }
    long number = nextNumber.getAndIncrement();
    Path path = dir.resolve(Segment.fileName(number));
    Path tmp = dir.resolve(Segment.fileName(number) + TMP);
    FileChannel ch = null;
    try {
      ch = SpoolFiles.openOwnerOnly(tmp,
          Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE));
      FileLock lock = SpoolLock.lock(ch, dir, tmp);
      ch.write(ByteBuffer.allocate(1), segmentBytes - 1);
      // The header page by pwrite: writing the header through the mapping into a hole would make the kernel read
      // ahead through the whole sparse file (see Segment#fill).
      ch.write(ByteBuffer.allocate(Segment.PAGE), 0);
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, segmentBytes);
      Segment s = new Segment(number, path, ch, lock, map, WriteWindows.map(ch, (int) segmentBytes));
      s.writeHeader();
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
      return s;
    } catch (IOException | RuntimeException e) {
      usedBytes.addAndGet(-segmentBytes);
      if (ch != null) {
        ch.close();
      }
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /**
   * Removes a segment nothing in which is needed any more: deletes it, or, if it holds damaged bytes, moves it into
   * the {@code damaged} subdirectory for inspection.
   *
   * @return the new path if moved aside, else {@code null}
   */
  Path retire(Segment s) throws IOException {
    long size = s.channel.isOpen() ? s.channel.size() : 0;
    Path moved = null;
    try {
      if (s.damaged) {
        Path aside = dir.resolve(DAMAGED_DIR);
        SpoolFiles.createDirectory(aside);
        moved = aside.resolve(s.path.getFileName());
        for (int i = 1; Files.exists(moved); i++) {
          moved = aside.resolve(s.path.getFileName() + "." + i);
        }
        Files.move(s.path, moved, StandardCopyOption.ATOMIC_MOVE);
      } else {
        Files.deleteIfExists(s.path);
      }
    } finally {
      s.close();
      usedBytes.addAndGet(-size);
    }
    return moved;
  }

  /** Forgets the bytes of a segment that {@link #retire} will not see (closed at {@code close()}). */
  void release(Segment s) {
    try {
      usedBytes.addAndGet(-(s.channel.isOpen() ? s.channel.size() : 0));
    } catch (IOException e) {
      // the channel broke; its size no longer matters
    }
    s.close();
  }
}
