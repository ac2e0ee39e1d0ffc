package io.alignstream.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.common.registry.CompatibilityLevel;
import io.alignstream.common.registry.InMemorySchemaRegistry.Change;
import io.alignstream.common.registry.InMemorySchemaRegistry.CompatibilitySet;
import io.alignstream.common.registry.InMemorySchemaRegistry.SchemaIdAssigned;
import io.alignstream.common.registry.InMemorySchemaRegistry.SchemaRegistered;
import io.alignstream.common.registry.InMemorySchemaRegistry.SubjectDeleted;
import io.alignstream.common.registry.RegisteredSchema;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * How registry changes are stored in the compacted schemas topic: String keys, JSON values.
 * Keys are chosen so that compaction (keep the latest record per key, drop tombstones) keeps
 * exactly what a replay needs, in an order that replays correctly:
 * <ul>
 *   <li>{@code id/<id>}: a global id and its schema, so ids stay resolvable after their
 *       subjects are deleted and are never handed out again after a restart;
 *   <li>{@code schema/<subject>/<version>}: one version of a subject;
 *   <li>{@code config} and {@code config/<subject>}: the global and per-subject compatibility;
 *   <li>{@code deleted/<subject>}: a subject deletion. It is written before tombstones for the
 *       subject's version and config keys, so compaction drops the old versions while the
 *       marker still clears any that survive uncompacted before it; versions registered
 *       afterwards lie after the marker and survive it.
 * </ul>
 * Keys need not be parseable (a subject may contain '/'); values carry all fields.
 */
final class SchemaTopicFormat {

  /** One record of the schemas topic; a null value is a tombstone. */
  record StoredRecord(String key, String value) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String SCHEMA = "SCHEMA";
  private static final String SCHEMA_ID = "SCHEMA_ID";
  private static final String CONFIG = "CONFIG";
  private static final String DELETE_SUBJECT = "DELETE_SUBJECT";

  private SchemaTopicFormat() {}

  /**
   * The records that persist {@code change}, in the order they must be written.
   *
   * @param versionsOfSubject how many versions the change's subject has now (a deletion
   *     tombstones each of them); ignored by other changes
   */
  static List<StoredRecord> encode(Change change, int versionsOfSubject) {
    List<StoredRecord> records = new ArrayList<>();
    if (change instanceof SchemaRegistered registered) {
      RegisteredSchema s = registered.schema();
      records.add(idRecord(s.id(), s.schema()));
      ObjectNode value = JSON.createObjectNode().put("type", SCHEMA).put("subject", s.subject())
          .put("version", s.version()).put("id", s.id()).put("schema", s.schema().toString());
      records.add(new StoredRecord(schemaKey(s.subject(), s.version()), value.toString()));
    } else if (change instanceof SchemaIdAssigned assigned) {
      records.add(idRecord(assigned.id(), assigned.schema()));
    } else if (change instanceof CompatibilitySet set) {
      ObjectNode value = JSON.createObjectNode().put("type", CONFIG).put("subject", set.subject())
          .put("compatibilityLevel", set.level().name());
      records.add(new StoredRecord(configKey(set.subject()), value.toString()));
    } else if (change instanceof SubjectDeleted deleted) {
      String subject = deleted.subject();
      ObjectNode value = JSON.createObjectNode().put("type", DELETE_SUBJECT).put("subject", subject);
      records.add(new StoredRecord("deleted/" + subject, value.toString()));
      for (int version = 1; version <= versionsOfSubject; version++) {
        records.add(new StoredRecord(schemaKey(subject, version), null));
      }
      records.add(new StoredRecord(configKey(subject), null));
    } else {
      throw new IllegalArgumentException("no stored form for " + change);
    }
    return records;
  }

  /**
   * The change a stored record replays, or null for a tombstone (its meaning is carried by
   * the deletion marker before it).
   *
   * @throws IllegalArgumentException for a value this format cannot read
   */
  static Change decode(String key, String value) {
    if (value == null) {
      return null;
    }
    JsonNode node;
    try {
      node = JSON.readTree(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("record '" + key + "' is not JSON: " + e.getOriginalMessage(), e);
    }
    String type = text(node, "type", key);
    switch (type) {
      case SCHEMA:
        return new SchemaRegistered(new RegisteredSchema(text(node, "subject", key), number(node, "version", key),
            number(node, "id", key), parse(text(node, "schema", key), key)));
      case SCHEMA_ID:
        return new SchemaIdAssigned(number(node, "id", key), parse(text(node, "schema", key), key));
      case CONFIG:
        JsonNode subject = node.get("subject");
        return new CompatibilitySet(subject == null || subject.isNull() ? null : subject.asText(),
            CompatibilityLevel.valueOf(text(node, "compatibilityLevel", key)));
      case DELETE_SUBJECT:
        return new SubjectDeleted(text(node, "subject", key));
      default:
        throw new IllegalArgumentException("record '" + key + "' has unknown type '" + type + "'");
    }
  }

  /** The subject a change concerns, or null for global ones. */
  static String subjectOf(Change change) {
    if (change instanceof SchemaRegistered registered) {
      return registered.schema().subject();
    }
    if (change instanceof CompatibilitySet set) {
      return set.subject();
    }
    if (change instanceof SubjectDeleted deleted) {
      return deleted.subject();
    }
    return null;
  }

  private static StoredRecord idRecord(int id, Schema schema) {
    ObjectNode value = JSON.createObjectNode().put("type", SCHEMA_ID).put("id", id).put("schema", schema.toString());
    return new StoredRecord("id/" + id, value.toString());
  }

  private static String schemaKey(String subject, int version) {
    return "schema/" + subject + "/" + version;
  }

  /** The global level has no slash, so no subject's key can collide with it. */
  private static String configKey(String subject) {
    return subject == null ? "config" : "config/" + subject;
  }

  private static String text(JsonNode node, String field, String key) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("record '" + key + "' lacks the text field '" + field + "'");
    }
    return value.asText();
  }

  private static int number(JsonNode node, String field, String key) {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToInt()) {
      throw new IllegalArgumentException("record '" + key + "' lacks the integer field '" + field + "'");
    }
    return value.asInt();
  }

  private static Schema parse(String schema, String key) {
    try {
      return new Schema.Parser().parse(schema);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("record '" + key + "' holds an unreadable schema: " + e.getMessage(), e);
    }
  }
}
