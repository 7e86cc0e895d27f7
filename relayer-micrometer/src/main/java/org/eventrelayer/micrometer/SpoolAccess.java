package org.eventrelayer.micrometer;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import org.eventrelayer.ServiceStats;

/**
 * Reads {@code ServiceStats.spooled()} when the API has it (the spool is being added), so that
 * {@code eventrelayer.spool.events} is bound as soon as it exists. Replace with a method reference once it has landed.
 */
final class SpoolAccess {

  private static final Method SPOOLED = find();

  private SpoolAccess() {}

  static boolean available() {
    return SPOOLED != null;
  }

  static long spooled(ServiceStats s) {
    try {
      return SPOOLED == null ? 0 : ((Number) SPOOLED.invoke(s)).longValue();
    } catch (ReflectiveOperationException | ClassCastException e) {
      return 0;
    }
  }

  private static Method find() {
    for (RecordComponent c : ServiceStats.class.getRecordComponents()) {
      if (c.getName().equals("spooled") && (c.getType() == long.class || c.getType() == int.class)) {
        return c.getAccessor();
      }
    }
    return null;
  }
}
