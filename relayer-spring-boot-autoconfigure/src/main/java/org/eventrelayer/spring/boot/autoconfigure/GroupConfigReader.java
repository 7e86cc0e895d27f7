package org.eventrelayer.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Reads everything under {@code eventrelayer.} in the Spring {@link Environment} (application.yml/.properties,
 * profiles, placeholders, command-line arguments, ...) into the nested map that
 * {@link org.eventrelayer.EventRelayerGroup#fromMap(Map)} takes, unchanged but for two Spring habits:
 *
 * <ul>
 *   <li>the group's own top-level keys are matched loosely, as Spring binds properties: {@code event-services},
 *       {@code eventservices} (an environment variable) and {@code eventServices} all mean {@code eventServices};
 *   <li>lists arrive from Spring as indexed entries ({@code tags[0]}, {@code tags[1]}) and are turned back into
 *       lists.
 * </ul>
 *
 * <p>{@code eventrelayer.outbox.*} holds the outbox's settings, not the group's, and is left out. Every other key
 * is passed on as written, so that the library checks it and names it when it is wrong: a typo
 * is never dropped here.
 */
final class GroupConfigReader {

  /** The prefix of every group key in the Spring environment. */
  static final String PREFIX = "eventrelayer";

  /**
   * The outbox's settings ({@code eventrelayer.outbox.*}, bound by {@code OutboxProperties}): not a group key, so
   * left out of the group's map in every spelling. The group has no key of that name to shadow.
   */
  static final String OUTBOX_KEY = "outbox";

  private static final List<String> GROUP_KEYS =
      List.of("relayers", "eventServices", "eventServiceDefault", "streams", "closeTimeout", "listeners");
  private static final Pattern INDEX = Pattern.compile("\\[?(\\d+)]?");

  private GroupConfigReader() {}

  /** The group's config map; empty when nothing is set under {@code eventrelayer.}. */
  static Map<String, Object> read(Environment environment) {
    Map<String, Object> raw = Binder.get(environment)
        .bind(PREFIX, Bindable.mapOf(String.class, Object.class))
        .orElseGet(Map::of);
    Map<String, Object> out = new LinkedHashMap<>();
    raw.forEach((key, value) -> {
      if (!loose(key).equals(OUTBOX_KEY)) {
        out.merge(groupKey(key), normalize(value), GroupConfigReader::mergeMaps);
      }
    });
    return out;
  }

  /** The library's name for a top-level key written Spring-style, else the key unchanged. */
  static String groupKey(String key) {
    String loose = loose(key);
    for (String k : GROUP_KEYS) {
      if (loose(k).equals(loose)) {
        return k;
      }
    }
    return key;
  }

  private static String loose(String key) {
    return key.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
  }

  private static Object normalize(Object value) {
    if (!(value instanceof Map<?, ?> map)) {
      return value;
    }
    List<Object> list = asList(map);
    if (list != null) {
      return list;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), normalize(v)));
    return out;
  }

  /** The map as a list when its keys are exactly the indexes 0..n-1 (Spring's form of a list), else null. */
  private static List<Object> asList(Map<?, ?> map) {
    if (map.isEmpty()) {
      return null;
    }
    Object[] items = new Object[map.size()];
    for (Map.Entry<?, ?> e : map.entrySet()) {
      Matcher m = INDEX.matcher(String.valueOf(e.getKey()));
      if (!m.matches()) {
        return null;
      }
      int i = Integer.parseInt(m.group(1));
      if (i >= items.length || items[i] != null) {
        return null;
      }
      items[i] = normalize(e.getValue());
    }
    return new ArrayList<>(List.of(items));
  }

  // Two spellings of one section (eventServices and event-services) in different property sources: keep both.
  @SuppressWarnings("unchecked")
  private static Object mergeMaps(Object a, Object b) {
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      Map<String, Object> out = new LinkedHashMap<>((Map<String, Object>) ma);
      mb.forEach((k, v) -> out.merge(String.valueOf(k), v, GroupConfigReader::mergeMaps));
      return out;
    }
    return a;
  }
}
