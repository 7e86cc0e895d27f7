package org.eventrelayer.benchmarks;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The workloads of the end-to-end harnesses, and the plain baselines' event building.
 *
 * <p>{@link #build} makes a {@code resource_change} 1.0.0 event exactly as the {@code cdn-purge} relayer does on
 * its worker (a fresh random UUID and a formatted {@code meta.dt} per event, the same key order, the configured
 * domain and tags), so that a plain client loop does the same work per event as the relayer does.
 */
public final class PurgeEvents {

  /** The stream of the purge events, and the cdn-purge relayer's channel. */
  public static final String STREAM = "resource-purge";
  public static final String CHANNEL = "cdn-url-purges";
  public static final String DOMAIN = "en.example.org";
  public static final List<String> TAGS = List.of("mediawiki");
  private static final String SCHEMA = "/resource_change/1.0.0";
  private static final DateTimeFormatter DT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private PurgeEvents() {}

  /** The relayer entry matching {@link #build}: {@code cdn-purge} on {@link #STREAM} with the same domain and tags. */
  public static Map<String, Object> relayerEntry() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "cdn-purge");
    m.put("stream", STREAM);
    m.put("domain", DOMAIN);
    m.put("tags", TAGS);
    return m;
  }

  /** One purge event, as the cdn-purge relayer builds it. */
  public static Map<String, Object> build(String url, long epochMillis) {
    Map<String, Object> meta = new LinkedHashMap<>(8);
    meta.put("uri", url);
    meta.put("id", UUID.randomUUID().toString());
    meta.put("dt", DT.format(Instant.ofEpochMilli(epochMillis)));
    meta.put("domain", DOMAIN);
    meta.put("stream", STREAM);
    Map<String, Object> event = new LinkedHashMap<>(4);
    event.put("$schema", SCHEMA);
    event.put("meta", meta);
    event.put("tags", new ArrayList<>(TAGS));
    return event;
  }

  /** {@code n} distinct purge URLs. */
  public static List<String> distinctUrls(int n, String prefix) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add("https://" + DOMAIN + "/wiki/" + prefix + "_" + i);
    }
    return out;
  }

  /**
   * A purge storm: {@code n} URLs drawn from {@code n / repeat} distinct ones, each appearing {@code repeat} times,
   * never twice within one call of {@code callSize} (the cdn-purge relayer already de-duplicates within a call):
   * call {@code c} purges pages {@code (c * callSize + i) mod distinct}.
   */
  public static List<String> stormUrls(int n, int repeat, int callSize, String prefix) {
    int distinct = Math.max(callSize, n / Math.max(1, repeat));
    List<String> pages = distinctUrls(distinct, prefix);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(pages.get(i % distinct));
    }
    return out;
  }

  /** The input maps of {@code notifyMulti}, in calls of {@code callSize}. */
  public static List<List<Map<String, ?>>> calls(List<String> urls, int callSize) {
    List<List<Map<String, ?>>> calls = new ArrayList<>();
    for (int from = 0; from < urls.size(); from += callSize) {
      List<Map<String, ?>> call = new ArrayList<>(callSize);
      for (String url : urls.subList(from, Math.min(urls.size(), from + callSize))) {
        call.add(Map.of("url", url));
      }
      calls.add(call);
    }
    return calls;
  }
}
