package org.eventrelayer.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;

/**
 * Relays KBase workspace events, checked against the workspace's documented table: {@code evtype}, {@code wsid}
 * and {@code time} always; {@code objid}, {@code ver}, {@code objtype}, {@code perm}, {@code permusers} exactly
 * where the event type carries them; {@code user} null only where an administrator may act without one. The
 * emitted JSON is what KBase's Kafka notifier writes: all nine keys, {@code null} for a field the type does not
 * carry and {@code []} for {@code permusers} (the notifier builds every event from one map of all the keys).
 */
final class WorkspaceEventRelayer extends ServiceRelayer {

  /** The fields of a workspace event, in the order the document lists them. */
  static final List<String> FIELDS =
      List.of("user", "wsid", "objid", "ver", "time", "evtype", "objtype", "perm", "permusers");
  private static final Set<String> FIELD_SET = Set.copyOf(FIELDS);
  static final int MAX_USER_LENGTH = 1000;
  static final int MAX_PERMUSERS = 10_000;
  /** KBase's absolute type string, as the workspace writes it: {@code Module.Type-major.minor}. */
  private static final Pattern TYPE_STRING = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*-\\d+\\.\\d+");
  private static final Set<String> PERMISSIONS = Set.of("r", "w", "a", "n");

  /** Each event type, the extra fields it carries and whether its user may be null (the document's table). */
  enum Type {
    NEW_VERSION(false, "objid", "ver", "objtype"),
    COPY_OBJECT(false, "objid"),
    RENAME_OBJECT(false, "objid"),
    OBJECT_DELETE_STATE_CHANGE(false, "objid"),
    OBJECT_HIDE_STATE_CHANGE(false, "objid"),
    CLONE_WORKSPACE(false),
    SET_PERMISSION(true, "perm", "permusers"),
    SET_GLOBAL_PERMISSION(false),
    WORKSPACE_DELETE_STATE_CHANGE(true),
    // Null for "set workspace description" and "set workspace owner" by an administrator; the event does not say
    // which action caused it, so a null user is accepted for every WORKSPACE_STATE_CHANGE.
    WORKSPACE_STATE_CHANGE(true);

    final boolean nullUser;
    final Set<String> extra;

    Type(boolean nullUser, String... extra) {
      this.nullUser = nullUser;
      this.extra = Set.of(extra);
    }

    static Type of(String name) {
      for (Type t : values()) {
        if (t.name().equals(name)) {
          return t;
        }
      }
      return null;
    }
  }

  private final String stream;

  WorkspaceEventRelayer(String name, String type, String stream, List<EventService> services) {
    super(name, type, services);
    this.stream = stream;
  }

  @Override
  PendingEvent prepare(Object event, int index, DeliveryTracker tracker, List<Refusal> refusals) {
    if (!(event instanceof Map<?, ?> map)) {
      refusals.add(notAMap(index, event, "a map with the workspace event's fields"));
      return null;
    }
    try {
      return new Checked(stream, tracker, check(map));
    } catch (Invalid e) {
      refusals.add(refusal(index, RefusalReason.INVALID_EVENT, e.getMessage()));
      return null;
    }
  }

  /** The validated event in KBase's shape, or an {@link Invalid} saying what is wrong. */
  static Map<String, Object> check(Map<?, ?> map) {
    int seen = 0;
    for (Object key : map.keySet()) {
      if (!(key instanceof String k) || !FIELD_SET.contains(k)) {
        throw new Invalid("unknown field " + (key instanceof String k ? "'" + cap(k) + "'" : "key " + key)
            + "; a workspace event has only " + FIELDS);
      }
      if (++seen > FIELDS.size()) {
        throw new Invalid("more fields than a workspace event has " + FIELDS);
      }
    }
    Object evtypeValue = map.get("evtype");
    if (evtypeValue == null) {
      throw new Invalid("'evtype' is required (one of " + List.of(Type.values()) + ")");
    }
    Type type = evtypeValue instanceof CharSequence cs ? Type.of(cs.toString()) : null;
    if (type == null) {
      throw new Invalid("'evtype' must be one of " + List.of(Type.values()) + ", got "
          + (evtypeValue instanceof CharSequence cs ? "'" + cap(cs.toString()) + "'" : typeName(evtypeValue)));
    }
    Map<String, Object> out = new LinkedHashMap<>(16);
    out.put("user", user(map.get("user"), type));
    out.put("wsid", positiveLong(map.get("wsid"), "wsid", type));
    out.put("objid", type.extra.contains("objid") ? positiveLong(map.get("objid"), "objid", type)
        : absent(map, "objid", type));
    Long ver = type.extra.contains("ver") ? positiveLong(map.get("ver"), "ver", type) : null;
    if (ver != null && ver > Integer.MAX_VALUE) {
      throw new Invalid("'ver' must be at most " + Integer.MAX_VALUE + ", got " + ver);
    }
    out.put("ver", ver == null ? absent(map, "ver", type) : Integer.valueOf(ver.intValue()));
    out.put("time", time(map.get("time")));
    out.put("evtype", type.name());
    out.put("objtype", type.extra.contains("objtype") ? objtype(map.get("objtype"), type)
        : absent(map, "objtype", type));
    out.put("perm", type.extra.contains("perm") ? perm(map.get("perm"), type) : absent(map, "perm", type));
    out.put("permusers", type.extra.contains("permusers") ? permusers(map.get("permusers"), type)
        : noPermusers(map.get("permusers"), type));
    return out;
  }

  private static String user(Object v, Type type) {
    if (v == null) {
      if (!type.nullUser) {
        throw new Invalid("'user' is required for " + type + "; only SET_PERMISSION, "
            + "WORKSPACE_DELETE_STATE_CHANGE and WORKSPACE_STATE_CHANGE may have a null (administrator) user");
      }
      return null;
    }
    return string(v, "user", MAX_USER_LENGTH);
  }

  private static String string(Object v, String field, int maxLength) {
    if (!(v instanceof CharSequence cs)) {
      throw new Invalid("'" + field + "' must be a string, got " + typeName(v));
    }
    if (cs.length() > maxLength) {
      throw new Invalid("'" + field + "' has " + cs.length() + " characters; at most " + maxLength + " are allowed");
    }
    String s = cs.toString();
    if (s.isBlank()) {
      throw new Invalid("'" + field + "' must not be blank");
    }
    if (JsonSnapshot.unpairedSurrogate(s) >= 0) {
      throw new Invalid("'" + field + "' has an unpaired UTF-16 surrogate");
    }
    return s;
  }

  private static Long positiveLong(Object v, String field, Type type) {
    if (v == null) {
      throw new Invalid("'" + field + "' is required for " + type);
    }
    long n;
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
        || v instanceof AtomicLong || v instanceof AtomicInteger) {
      n = ((Number) v).longValue();
    } else if (v instanceof java.math.BigInteger b && b.bitLength() < 64) {
      n = b.longValue();
    } else {
      throw new Invalid("'" + field + "' must be a positive integer, got " + typeName(v));
    }
    if (n <= 0) {
      throw new Invalid("'" + field + "' must be a positive integer, got " + n);
    }
    return n;
  }

  private static long time(Object v) {
    if (v == null) {
      throw new Invalid("'time' is required (epoch milliseconds, or an Instant)");
    }
    long millis;
    if (v instanceof Instant i) {
      try {
        millis = i.toEpochMilli();
      } catch (ArithmeticException e) {
        millis = -1;
      }
    } else if (v instanceof Long || v instanceof Integer || v instanceof AtomicLong) {
      millis = ((Number) v).longValue();
    } else {
      throw new Invalid("'time' must be epoch milliseconds (a long) or an Instant, got " + typeName(v));
    }
    if (millis < 0 || millis > CdnPurgeRelayer.MAX_EPOCH_MILLIS) {
      throw new Invalid("'time' must be between 1970 and 9999, got " + v);
    }
    return millis;
  }

  private static String objtype(Object v, Type type) {
    if (v == null) {
      throw new Invalid("'objtype' is required for " + type);
    }
    String s = string(v, "objtype", 1000);
    if (!TYPE_STRING.matcher(s).matches()) {
      throw new Invalid("'objtype' must be a KBase type string Module.Type-major.minor (e.g. "
          + "KBaseGenomes.Genome-8.2), got '" + cap(s) + "'");
    }
    return s;
  }

  private static String perm(Object v, Type type) {
    if (v == null) {
      throw new Invalid("'perm' is required for " + type + " (one of " + PERMISSIONS + ")");
    }
    if (!(v instanceof CharSequence cs) || !PERMISSIONS.contains(cs.toString())) {
      throw new Invalid("'perm' must be one of r, w, a, n, got "
          + (v instanceof CharSequence cs ? "'" + cap(cs.toString()) + "'" : typeName(v)));
    }
    return v.toString();
  }

  private static List<String> permusers(Object v, Type type) {
    if (v == null) {
      throw new Invalid("'permusers' is required for " + type + " (the users whose permission changed)");
    }
    if (!(v instanceof Collection<?> users)) {
      throw new Invalid("'permusers' must be a list of user names, got " + typeName(v));
    }
    List<String> out = new ArrayList<>(); // never sized from the list's claim
    for (Object u : users) {
      if (out.size() == MAX_PERMUSERS) {
        throw new Invalid("'permusers' has more than " + MAX_PERMUSERS + " users");
      }
      if (u == null) {
        throw new Invalid("'permusers' holds a null user name");
      }
      out.add(string(u, "permusers[" + out.size() + "]", MAX_USER_LENGTH));
    }
    if (out.isEmpty()) {
      throw new Invalid("'permusers' must name at least one user for " + type);
    }
    return Collections.unmodifiableList(out);
  }

  /** A type without permusers: KBase's notifier writes an empty list; null or an empty list are accepted. */
  private static List<String> noPermusers(Object v, Type type) {
    if (v != null && !(v instanceof Collection<?> c && c.isEmpty())) {
      throw new Invalid("'permusers' must be empty or absent for " + type + ": only SET_PERMISSION carries it");
    }
    return List.of();
  }

  private static Object absent(Map<?, ?> map, String field, Type type) {
    if (map.get(field) != null) {
      throw new Invalid("'" + field + "' must be null or absent for " + type + ", which does not carry it");
    }
    return null;
  }

  private static String typeName(Object v) {
    return v == null ? "null" : v.getClass().getName();
  }

  private static String cap(String s) {
    return s.length() <= 64 ? s : s.substring(0, 60) + "...";
  }

  /** An invalid event: the message says why. No stack trace. */
  static final class Invalid extends RuntimeException {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  /** A validated event, in its final shape; only written out on the worker. */
  private static final class Checked extends PendingEvent {
    private final Map<String, Object> event;
    private final int size;

    Checked(String stream, DeliveryTracker tracker, Map<String, Object> event) {
      super(stream, tracker);
      this.event = Collections.unmodifiableMap(event);
      int n = 200;
      for (Object v : event.values()) {
        if (v instanceof String s) {
          n += s.length() * 6;
        } else if (v instanceof List<?> l) {
          for (Object u : l) {
            n += ((String) u).length() * 6 + 3;
          }
        }
      }
      this.size = n;
    }

    @Override
    public Map<String, Object> build() {
      return event;
    }

    @Override
    public int sizeHint() {
      return size;
    }
  }
}
