package org.eventrelayer.core.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Owner-only files and directories (where the file system has POSIX permissions). */
final class SpoolFiles {

  static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private SpoolFiles() {}

  /** Creates {@code dir} (and missing parents) owner-only, or checks that it is a directory. */
  static void createDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (Files.exists(dir)) {
      throw new IOException("spool directory " + dir + " exists and is not a directory");
    }
    if (POSIX) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_PERMS));
      Files.setPosixFilePermissions(dir, DIR_PERMS); // the umask may have narrowed or widened it
    } else {
      Files.createDirectories(dir);
    }
  }

  /** Opens (creating if asked) a file readable and writable by its owner only, fixing wider rights. */
  static FileChannel openOwnerOnly(Path path, Set<? extends OpenOption> options) throws IOException {
    FileAttribute<?>[] attrs = POSIX
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_PERMS)}
        : new FileAttribute<?>[0];
    FileChannel ch = FileChannel.open(path, options, attrs);
    if (POSIX) {
      try {
        if (!Files.getPosixFilePermissions(path).equals(FILE_PERMS)) {
          Files.setPosixFilePermissions(path, FILE_PERMS); // left by an older run with wider rights
        }
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }
    return ch;
  }
}
