package org.eventrelayer.examples.demo;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import org.eventrelayer.ServiceStats;

/**
 * Reads {@code ServiceStats.spooled()} when the API has it (the spool is being added), so that the demo already
 * shows the spool depth and counts it in its accounting check. Replace with a plain call once it has landed.
 */
final class Spool {

  private static final Method SPOOLED = find();

  private Spool() {}

  /** Whether the stats carry a spool depth. */
  static boolean available() {
    return SPOOLED != null;
  }

  /** The events in the spool, or 0 when the API has no spool. */
  static long spooled(ServiceStats s) {
    if (SPOOLED == null) {
      return 0;
    }
    try {
      return ((Number) SPOOLED.invoke(s)).longValue();
    } catch (ReflectiveOperationException | ClassCastException e) {
      return 0;
    }
  }

  private static Method find() {
    for (RecordComponent c : ServiceStats.class.getRecordComponents()) {
      if (c.getName().equals("spooled")
          && (c.getType() == long.class || c.getType() == int.class)) {
        return c.getAccessor();
      }
    }
    return null;
  }
}
