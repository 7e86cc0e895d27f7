package org.eventrelayer.jobs.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.core.EventSignatures;
import org.eventrelayer.internal.AbstractRelayer;
import org.eventrelayer.spi.DeliveryTracker;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.PendingEvent;

/**
 * Relays jobs {@code {database?, type, params, uri?, request_id?}} (top-level {@code byte[]} params travel as
 * {@link BinaryParams}) as signed job events: {@code $schema},
 * {@code meta} (as our other events), {@code database}, {@code type}, {@code page_namespace}/{@code page_title}
 * when the params name a page (as MediaWiki does), {@code params}, and last {@code mediawiki_signature}, the
 * hex HMAC-SHA1 of the event's compact JSON without it. The params are serialized on the caller's thread (so the
 * host may reuse its map at once); the event is assembled and signed on the service's worker.
 */
final class JobRelayer extends AbstractRelayer {

  static final String SCHEMA = "/mediawiki/job/1.0.0";
  private static final Set<String> INPUT_FIELDS = Set.of("database", "type", "params", "uri", "request_id");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final DateTimeFormatter DT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final String channel;
  private final String stream;
  private final String domain;
  private final String database; // null: every event names its own
  private final String schema;
  private final EventSignatures signer;
  private final EventService service;

  JobRelayer(String channel, String stream, String domain, String database, String schema,
      EventSignatures signer, EventService service) {
    super(channel, JobRelayerProvider.NAME);
    this.channel = channel;
    this.stream = stream;
    this.domain = domain;
    this.database = database;
    this.schema = schema;
    this.signer = signer;
    this.service = service;
  }

  @Override
  protected String checkChannel(String requested) {
    return requested.equals(channel) ? null
        : "the job relayer configured for '" + channel + "' does not serve channel '" + requested + "'";
  }

  @Override
  protected RelayResult relay(String channel, List<? extends Map<String, ?>> events) {
    DeliveryTracker tracker = new DeliveryTracker();
    List<Refusal> refusals = new ArrayList<>(0);
    int accepted = 0;
    for (int i = 0, n = events.size(); i < n; i++) {
      Object raw = events.get(i);
      Object checked = check(raw);
      if (checked instanceof Refusal r) {
        refusals.add(new Refusal(i, r.reason(), r.detail()));
        continue;
      }
      tracker.expect();
      Refusal refusal = service.offer(new SignedJob(this, tracker, (JobInput) checked));
      if (refusal == null) {
        accepted++;
      } else {
        tracker.unexpect();
        refusals.add(new Refusal(i, refusal.reason(), refusal.detail()));
      }
    }
    tracker.seal();
    return new RelayResult(accepted, refusals, tracker.future());
  }

  /** What a valid input event holds once checked and copied. */
  private record JobInput(String database, String type, byte[] params, String uri, String requestId,
      String id, long millis) {}

  /** The checked input, or the {@link Refusal} (index 0) saying why it cannot be relayed. */
  private Object check(Object event) {
    if (!(event instanceof Map<?, ?> map)) {
      return invalid(event == null ? "event is null"
          : "event must be a map {database?, type, params}, got " + event.getClass().getName());
    }
    for (Object key : map.keySet()) {
      if (!INPUT_FIELDS.contains(key)) {
        return invalid("unknown field '" + key + "'; a job has " + INPUT_FIELDS);
      }
    }
    Object db = map.get("database") != null ? map.get("database") : database;
    if (!(db instanceof CharSequence) || db.toString().isBlank()) {
      return invalid(db == null ? "'database' is missing and the relayer has no default database"
          : "'database' must be a non-empty string");
    }
    if (!(map.get("type") instanceof CharSequence type) || type.toString().isBlank()) {
      return invalid("'type' must be a non-empty string");
    }
    if (!(map.get("params") instanceof Map<?, ?> params)) {
      return invalid(map.get("params") == null ? "'params' is missing" : "'params' must be a map (a JSON object)");
    }
    for (String key : List.of("uri", "request_id")) {
      if (map.get(key) != null && !(map.get(key) instanceof CharSequence)) {
        return invalid("'" + key + "' must be a string");
      }
    }
    String uri = optionalString(map, "uri");
    if (uri != null && !isAbsoluteUri(uri)) {
      return invalid("'uri' must be an absolute URI");
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(BinaryParams.encode(params));
    } catch (JsonProcessingException | RuntimeException e) {
      return new Refusal(0, RefusalReason.UNSERIALIZABLE, "'params' cannot be written as JSON: "
          + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    return new JobInput(db.toString(), type.toString(), json, uri, optionalString(map, "request_id"),
        UUID.randomUUID().toString(), System.currentTimeMillis());
  }

  private static String optionalString(Map<?, ?> map, String key) {
    Object v = map.get(key);
    return v == null || v.toString().isBlank() ? null : v.toString();
  }

  private static boolean isAbsoluteUri(String s) {
    try {
      return new URI(s).isAbsolute();
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static Refusal invalid(String detail) {
    return new Refusal(0, RefusalReason.INVALID_EVENT, detail);
  }

  @Override
  public boolean flush(Duration timeout) {
    return service.flush(timeout);
  }

  /** Assembles and signs the job event; runs on the service's worker. */
  Map<String, Object> assemble(JobInput in) {
    Map<String, Object> params;
    try {
      params = JSON.readValue(in.params(), MAP);
    } catch (IOException e) {
      throw new IllegalStateException("params written by Jackson must read back", e); // cannot happen
    }
    Map<String, Object> meta = new LinkedHashMap<>(8);
    if (in.uri() != null) {
      meta.put("uri", in.uri());
    }
    meta.put("id", in.id());
    meta.put("dt", DT.format(Instant.ofEpochMilli(in.millis())));
    meta.put("domain", domain);
    meta.put("stream", stream);
    if (in.requestId() != null) {
      meta.put("request_id", in.requestId());
    }
    Map<String, Object> event = new LinkedHashMap<>(10);
    event.put("$schema", schema);
    event.put("meta", meta);
    event.put("database", in.database());
    event.put("type", in.type());
    // MediaWiki names the page a job is about at the top level, so consumers can route without reading params.
    if (params.get("namespace") instanceof Integer ns && params.get("title") instanceof String title) {
      event.put("page_namespace", ns);
      event.put("page_title", title);
    }
    event.put("params", params);
    // The params were read back from JSON, so this is exactly the compact JSON a verifier re-serializes.
    try {
      event.put(signer.field(), signer.sign(JSON.writeValueAsBytes(event)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree read from JSON must write back", e); // cannot happen
    }
    return event;
  }

  private static final class SignedJob extends PendingEvent {
    private final JobRelayer relayer;
    private final JobInput input;

    SignedJob(JobRelayer relayer, DeliveryTracker tracker, JobInput input) {
      super(relayer.stream, tracker);
      this.relayer = relayer;
      this.input = input;
    }

    @Override
    public Map<String, Object> build() {
      return relayer.assemble(input);
    }

    @Override
    public int sizeHint() {
      return 320 + relayer.stream.length() + relayer.domain.length() + relayer.schema.length()
          + input.database().length() * 3 + input.type().length() * 3 + input.params().length
          + (input.uri() == null ? 0 : input.uri().length() * 3)
          + (input.requestId() == null ? 0 : input.requestId().length() * 3);
    }
  }
}
