package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.common.registry.CompatibilityLevel;
import io.alignstream.common.registry.InMemorySchemaRegistry;
import io.alignstream.common.registry.InMemorySchemaRegistry.Change;
import io.alignstream.common.registry.RegisteredSchema;
import io.alignstream.local.SchemaTopicFormat.StoredRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The stored form of registry changes, and that log compaction keeps what a replay needs. */
class SchemaTopicFormatTest {

  private static Schema record(String name, String fields) {
    return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[" + fields + "]}");
  }

  private static final Schema X = record("X", "{\"name\":\"a\",\"type\":\"int\"}");
  private static final Schema Y = record("X", "{\"name\":\"a\",\"type\":\"int\"},"
      + "{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}");
  private static final Schema Z = record("Z", "{\"name\":\"z\",\"type\":\"long\"}");
  private static final Schema W = record("W", "{\"name\":\"w\",\"type\":\"double\"}");

  @Test
  void everyChangeDecodesToItself() {
    List<Change> changes = List.of(
        new InMemorySchemaRegistry.SchemaRegistered(new RegisteredSchema("a/b c-value", 3, 12, X)),
        new InMemorySchemaRegistry.SchemaIdAssigned(5, Y),
        new InMemorySchemaRegistry.CompatibilitySet(null, CompatibilityLevel.FULL_TRANSITIVE),
        new InMemorySchemaRegistry.CompatibilitySet("t-value", CompatibilityLevel.NONE),
        new InMemorySchemaRegistry.SubjectDeleted("t-value"));
    for (Change change : changes) {
      List<StoredRecord> records = SchemaTopicFormat.encode(change, 2);
      List<Change> decoded = records.stream()
          .map(r -> SchemaTopicFormat.decode(r.key(), r.value()))
          .filter(c -> c != null)
          .toList();
      assertThat(decoded).last().isEqualTo(change);
    }
  }

  @Test
  void aDeletionWritesItsMarkerBeforeTombstonesForEveryVersionAndTheConfig() {
    List<StoredRecord> records = SchemaTopicFormat.encode(new InMemorySchemaRegistry.SubjectDeleted("t"), 3);

    assertThat(records).extracting(StoredRecord::key)
        .containsExactly("deleted/t", "schema/t/1", "schema/t/2", "schema/t/3", "config/t");
    assertThat(records.get(0).value()).isNotNull();
    assertThat(records.subList(1, records.size())).extracting(StoredRecord::value).containsOnlyNulls();
  }

  @Test
  void unreadableRecordsAreRefusedWithTheirKey() {
    assertThatThrownBy(() -> SchemaTopicFormat.decode("schema/t/1", "{not json"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema/t/1");
    assertThatThrownBy(() -> SchemaTopicFormat.decode("k", "{\"type\":\"SCHEMA\",\"subject\":\"t\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
    assertThatThrownBy(() -> SchemaTopicFormat.decode("k", "{\"type\":\"MYSTERY\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MYSTERY");
  }

  @Test
  void replayingTheCompactedLogRebuildsTheSameRegistry() {
    List<StoredRecord> log = new ArrayList<>();
    InMemorySchemaRegistry[] self = new InMemorySchemaRegistry[1];
    // Called before the change is applied, so the subject still has all its versions.
    InMemorySchemaRegistry original = new InMemorySchemaRegistry(change -> {
      String subject = SchemaTopicFormat.subjectOf(change);
      int versions = subject != null && self[0].subjects().contains(subject) ? self[0].versions(subject).size() : 0;
      log.addAll(SchemaTopicFormat.encode(change, versions));
    });
    self[0] = original;

    int x = original.register("a-value", X);
    int y = original.register("a-value", Y);
    original.register("b-value", X);
    original.setCompatibility("a-value", CompatibilityLevel.FULL);
    original.setCompatibility(null, CompatibilityLevel.NONE);
    original.deleteSubject("a-value");
    int z = original.register("a-value", Z); // a new life for the subject, from version 1
    original.setCompatibility("b-value", CompatibilityLevel.FORWARD);
    original.deleteSubject("b-value"); // X's id now belongs to no subject
    original.register("c-value", Y);

    for (List<StoredRecord> stored : List.of(log, compact(log))) {
      InMemorySchemaRegistry replayed = new InMemorySchemaRegistry();
      stored.forEach(r -> {
        Change change = SchemaTopicFormat.decode(r.key(), r.value());
        if (change != null) {
          replayed.apply(change);
        }
      });

      assertThat(replayed.subjects()).containsExactlyInAnyOrderElementsOf(original.subjects());
      for (String subject : original.subjects()) {
        assertThat(replayed.versions(subject)).isEqualTo(original.versions(subject));
        assertThat(replayed.latest(subject)).isEqualTo(original.latest(subject));
        assertThat(replayed.subjectCompatibility(subject)).isEqualTo(original.subjectCompatibility(subject));
      }
      assertThat(replayed.subjectCompatibility("a-value")).isNull(); // cleared by the deletion
      assertThat(replayed.compatibility(null)).isEqualTo(CompatibilityLevel.NONE);
      assertThat(replayed.schemaById(x)).isEqualTo(X);
      assertThat(replayed.schemaById(y)).isEqualTo(Y);
      assertThat(replayed.schemaById(z)).isEqualTo(Z);
      // The next new schema gets the same, never-used id in both.
      assertThat(replayed.register("d-value", W)).isEqualTo(original.register("d-value", W)).isGreaterThan(z);
      original.deleteSubject("d-value");
    }
    assertThat(compact(log).size()).isLessThan(log.size());
  }

  /** What Kafka's log cleaner leaves: the latest record per key, in log order, without tombstones. */
  private static List<StoredRecord> compact(List<StoredRecord> log) {
    Map<String, Integer> lastOffset = new LinkedHashMap<>();
    for (int offset = 0; offset < log.size(); offset++) {
      lastOffset.put(log.get(offset).key(), offset);
    }
    List<StoredRecord> kept = new ArrayList<>();
    for (int offset = 0; offset < log.size(); offset++) {
      StoredRecord record = log.get(offset);
      if (lastOffset.get(record.key()) == offset && record.value() != null) {
        kept.add(record);
      }
    }
    return kept;
  }
}
