package org.eventrelayer.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

/**
 * The real {@code resource_change} 1.0.0 JSON schema (a copy of the shared schema, shipped in this jar) and a
 * draft-07 validator with format assertions on ({@code date-time}, {@code uri-reference}).
 */
public final class ResourceChangeSchema {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonSchema SCHEMA = load();

  private ResourceChangeSchema() {}

  private static JsonSchema load() {
    try (InputStream in = ResourceChangeSchema.class.getResourceAsStream("schemas/resource_change/1.0.0.json")) {
      ObjectNode node = (ObjectNode) JSON.readTree(in);
      // The schema names its meta-schema with https://; validators know draft-07 by its canonical http:// id.
      node.put("$schema", "http://json-schema.org/draft-07/schema#");
      SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(node.toString(), config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The problems of {@code json} against the schema; empty when it is valid. */
  public static List<String> problems(String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (IOException e) {
      return List.of("not JSON: " + e.getMessage());
    }
    Set<ValidationMessage> messages = SCHEMA.validate(node);
    return messages.stream().map(ValidationMessage::getMessage).sorted().toList();
  }

  /** Whether {@code json} is a valid resource_change event. */
  public static boolean isValid(String json) {
    return problems(json).isEmpty();
  }
}
