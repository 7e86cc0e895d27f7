package org.eventrelayer.jobs.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.eventrelayer.jobs.Job;

/**
 * A RunJob request body, decoded once: whether it is a JSON object, which of the required fields it lacks, its
 * signature field, and the {@link Job} it describes.
 */
public final class JobEventReader {

  /** The fields EventBus requires, in the order it reports them missing. */
  public static final List<String> REQUIRED = List.of("database", "type", "params");

  /** The signature field of MediaWiki job events. */
  public static final String SIGNATURE_FIELD = "mediawiki_signature";

  // Duplicate keys would make the event mean one thing to us and maybe another to whoever signed it.
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final Pattern PRINTABLE_TYPE = Pattern.compile("[A-Za-z0-9_.:-]{1,80}");

  private final JsonNode event; // null when decodeError is set
  private final String text;
  private final String decodeError;

  private JobEventReader(JsonNode event, String text, String decodeError) {
    this.event = event;
    this.text = text;
    this.decodeError = decodeError;
  }

  /** Decodes a request body (UTF-8 JSON). */
  public static JobEventReader read(byte[] body) {
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return new JobEventReader(null, null, e.getOriginalMessage());
    } catch (IOException e) {
      return new JobEventReader(null, null, e.getMessage());
    }
    if (node == null || node.isMissingNode()) {
      return new JobEventReader(null, null, "the request body is empty");
    }
    if (!node.isObject()) {
      return new JobEventReader(null, null, "the event must be a JSON object, got " + node.getNodeType());
    }
    return new JobEventReader(node, new String(body, StandardCharsets.UTF_8), null);
  }

  /** Why the body is not a JSON object, or {@code null} if it is one. */
  public String decodeError() {
    return decodeError;
  }

  /** The body as text. */
  public String text() {
    return text;
  }

  /** The required fields that are absent or {@code null}, in {@link #REQUIRED} order. */
  public List<String> missingParams() {
    List<String> missing = new ArrayList<>(0);
    for (String field : REQUIRED) {
      if (event.path(field).isMissingNode() || event.path(field).isNull()) {
        missing.add(field);
      }
    }
    return missing;
  }

  /** Whether the event carries a signature (a string). */
  public boolean hasSignature() {
    return event.path(SIGNATURE_FIELD).isTextual();
  }

  /** Why no job can be made of the (complete, verified) event, or {@code null} if one can. */
  public String jobProblem() {
    if (!event.get("database").isTextual() || event.get("database").asText().isBlank()) {
      return "database must be a non-empty string, got " + event.get("database").getNodeType();
    }
    if (!event.get("type").isTextual() || event.get("type").asText().isBlank()) {
      return "type must be a non-empty string, got " + event.get("type").getNodeType();
    }
    if (!event.get("params").isObject()) {
      return "params must be a JSON object, got " + event.get("params").getNodeType();
    }
    return null;
  }

  /** The job type; only after {@link #jobProblem()} returned {@code null}. */
  public String type() {
    return event.get("type").asText();
  }

  /** The type if it is a short plain name, for log lines (the caller controls it). */
  public String typeForLog() {
    String type = event.path("type").asText("");
    return PRINTABLE_TYPE.matcher(type).matches() ? type : "(not a plain name)";
  }

  /**
   * The job; only after {@link #jobProblem()} returned {@code null}. Top-level params encoded as
   * {@code data:application/octet-stream;base64,...} become {@code byte[]}.
   *
   * @throws IllegalArgumentException naming the param whose base64 is invalid
   */
  public Job toJob() {
    Map<String, Object> params = JSON.convertValue(event.get("params"), MAP);
    String invalid = BinaryParams.decode(params);
    if (invalid != null) {
      throw new InvalidBinaryParam(invalid, String.valueOf(params.get(invalid)));
    }
    return new Job(event.get("database").asText(), type(), params);
  }

  /** A param announced as base64 whose value is not. */
  public static final class InvalidBinaryParam extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String value;

    InvalidBinaryParam(String name, String value) {
      super("param '" + name + "' is not valid base64");
      this.name = name;
      this.value = value;
    }

    /** The param's name. */
    public String name() {
      return name;
    }

    /** The param's value as received. */
    public String value() {
      return value;
    }
  }
}
