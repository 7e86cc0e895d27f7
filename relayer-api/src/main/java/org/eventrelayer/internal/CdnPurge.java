package org.eventrelayer.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.PendingEvent;
import org.eventrelayer.spi.SpoolCodec;

/**
 * One purge, validated on the caller's thread; built into a {@code resource_change} 1.0.0 event on the worker. A
 * purge read back from a spool ({@link CdnPurgeSpoolCodec}) carries the {@code meta.id} drawn when it was accepted,
 * so building it again gives the same event.
 */
final class CdnPurge extends PendingEvent {

  static final String SCHEMA = "/resource_change/1.0.0";

  final Shape shape;
  final String url;
  final long millis;
  final String requestId; // null: none
  final boolean fixedId;
  final long idMsb;
  final long idLsb;

  /** A purge accepted now: its {@code meta.id} is drawn when it is built. */
  CdnPurge(Shape shape, DeliveryTracker tracker, String url, long millis, String requestId) {
    this(shape, tracker, url, millis, requestId, false, 0, 0);
  }

  /** A purge with its {@code meta.id} fixed ({@code msb}/{@code lsb} of a version 4 UUID). */
  CdnPurge(Shape shape, DeliveryTracker tracker, String url, long millis, String requestId, boolean fixedId,
      long idMsb, long idLsb) {
    super(shape.stream, tracker);
    this.shape = shape;
    this.url = url;
    this.millis = millis;
    this.requestId = requestId;
    this.fixedId = fixedId;
    this.idMsb = idMsb;
    this.idLsb = idLsb;
  }

  @Override
  public Map<String, Object> build() {
    Map<String, Object> meta = new LinkedHashMap<>(8);
    meta.put("uri", url);
    meta.put("id", fixedId ? RandomUuids.format(idMsb, idLsb) : RandomUuids.next());
    meta.put("dt", IsoMillis.format(millis));
    meta.put("domain", shape.domain != null ? shape.domain : UrlCheck.host(url));
    meta.put("stream", shape.stream);
    if (requestId != null) {
      meta.put("request_id", requestId);
    }
    Map<String, Object> event = new LinkedHashMap<>(4);
    event.put("$schema", SCHEMA);
    event.put("meta", meta);
    if (!shape.tags.isEmpty()) {
      event.put("tags", new ArrayList<>(shape.tags));
    }
    return event;
  }

  @Override
  public int sizeHint() {
    return shape.fixedSize + url.length() * 2 + (requestId == null ? 0 : requestId.length() * 3 + 16);
  }

  @Override
  public String coalesceKey() {
    return url;
  }

  @Override
  public SpoolCodec spoolCodec() {
    return CdnPurgeSpoolCodec.INSTANCE;
  }

  /**
   * What a cdn-purge relayer's configuration puts into every event it builds: the stream, the fixed domain (or
   * {@code null}: the URL's host) and the tags; with its part of the compact record, encoded once.
   */
  static final class Shape {
    final String stream;
    final String domain;
    final List<String> tags;
    final int fixedSize;
    final byte[] encoded;

    Shape(String stream, String domain, List<String> tags) {
      this.stream = stream;
      this.domain = domain;
      this.tags = List.copyOf(tags);
      int size = 200 + stream.length() + (domain == null ? 0 : domain.length() * 3);
      for (String t : tags) {
        size += t.length() * 3 + 3;
      }
      this.fixedSize = size;
      this.encoded = CdnPurgeSpoolCodec.encodeShape(domain, this.tags);
    }
  }
}
