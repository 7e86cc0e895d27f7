package org.eventrelayer.core.spool;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unmaps a mapping at a chosen moment instead of whenever the collector gets to it. That moment matters twice: a
 * written window unmapped at once costs the callers' cores one interrupt instead of one per page written back
 * ({@link WriteWindows}), and a deleted segment keeps its disk blocks and pages for as long as any mapping of it
 * lives ({@link Segment#close}). The caller guarantees that nothing reads or writes the mapping, or any view of it,
 * afterwards: such an access would crash the JVM.
 */
final class Unmapper {

  private static final Logger log = LoggerFactory.getLogger(Unmapper.class);
  private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

  private Unmapper() {}

  /** Unmaps {@code mapping} (one {@link java.nio.channels.FileChannel#map} returned, not a view of it), if it can. */
  static void unmap(MappedByteBuffer mapping) {
    if (INVOKE_CLEANER != null) {
      try {
        INVOKE_CLEANER.invokeExact((ByteBuffer) mapping);
      } catch (Throwable e) {
        log.debug("eventrelayer spool: cannot unmap a mapping; the collector will: {}", e.toString());
      }
    }
  }

  /**
   * {@code sun.misc.Unsafe.invokeCleaner}, the one way before Java 19 to unmap a mapping at a chosen moment (module
   * {@code jdk.unsupported}); {@code null} where the runtime lacks it, and mappings are then unmapped when collected.
   */
  private static MethodHandle invokeCleaner() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      return MethodHandles.lookup()
          .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(theUnsafe.get(null));
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("eventrelayer spool: mappings are unmapped by the collector ({})", e.toString());
      return null;
    }
  }
}
