package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive use of a spool directory. The lock is a {@code fcntl} lock held on an open file descriptor, never the
 * existence of a file: the {@code lock} file (which also names the holder's pid) is locked, and so are the
 * checkpoint and every segment file the spool has open, each on the descriptor the spool uses anyway. A second
 * spool must lock all of them, so deleting the lock file while a spool runs does not let a second one in: it
 * still meets the running spool's locks on the checkpoint and on its segments.
 *
 * <p>Within one JVM, a second lock on a file is refused by the JVM itself, and a second spool on a directory is
 * refused before it opens anything there (closing any descriptor of a file drops every lock this process holds on
 * it, so a second spool must not even open our files).
 */
final class SpoolLock implements AutoCloseable {

  static final String FILE = "lock";
  private static final Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;

  private SpoolLock(Path key, FileChannel channel) {
    this.key = key;
    this.channel = channel;
  }

  /** Takes the directory's lock file, writing this process's pid into it. */
  static SpoolLock acquire(Path dir) throws IOException {
    Path key = dir.toRealPath();
    if (!OPEN_IN_THIS_JVM.add(key)) {
      throw locked(dir, "pid " + ProcessHandle.current().pid() + ", this process");
    }
    FileChannel ch = null;
    try {
      ch = SpoolFiles.openOwnerOnly(dir.resolve(FILE),
          Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE));
      lock(ch, dir, dir.resolve(FILE));
      ch.truncate(0);
      ByteBuffer pid = ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
          .getBytes(StandardCharsets.US_ASCII));
      while (pid.hasRemaining()) {
        ch.write(pid, pid.position());
      }
      return new SpoolLock(key, ch);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      OPEN_IN_THIS_JVM.remove(key);
      throw e;
    }
  }

  /**
   * Locks {@code channel} (a file of the spool in {@code dir}) exclusively.
   *
   * @throws SpoolLockedException naming the holder if someone else holds it
   */
  static FileLock lock(FileChannel channel, Path dir, Path file) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      throw locked(dir, holder(dir) + (file.getFileName().toString().equals(FILE) ? "" : ", holding " + file));
    }
    return lock;
  }

  private static String holder(Path dir) {
    try (FileChannel ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(64);
      ch.read(b, 0);
      return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "lock file unreadable or deleted";
    }
  }

  private static SpoolLockedException locked(Path dir, String holder) {
    return new SpoolLockedException("spool directory " + dir + " is in use by another relayer"
        + (holder.isEmpty() ? "" : " (" + holder + ")") + "; each event service needs a spool directory of its own");
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      OPEN_IN_THIS_JVM.remove(key);
    }
  }
}
