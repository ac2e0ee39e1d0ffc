package io.alignstream.common.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * The registry's rules, in memory: global ids shared by identical schemas across subjects,
 * versions per subject, and compatibility checks (BACKWARD by default, as Confluent) with
 * Avro's own reader/writer resolution. Used directly behind {@code mock://} URLs and as the
 * core of the embedded registry server, which persists every {@link Change} to Kafka and
 * replays them with {@link #apply(Change)} on start.
 *
 * <p>Every operation that changes state hands its {@link Change} to the {@link ChangeListener}
 * first and applies it only when the listener returns: a store that cannot persist a change
 * throws, and the registry stays as it was, so memory never holds what the store lacks.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {

  /** What a registry persists: every state change, in order. */
  public sealed interface Change {}

  /** A new version of a subject. */
  public record SchemaRegistered(RegisteredSchema schema) implements Change {}

  /** A compatibility level set for a subject, or globally when subject is null. */
  public record CompatibilitySet(String subject, CompatibilityLevel level) implements Change {}

  /** A subject and all its versions removed (ids stay resolvable, as in Confluent). */
  public record SubjectDeleted(String subject) implements Change {}

  /**
   * A global id and its schema, independent of any subject. No operation emits it: a store
   * that compacts away a deleted subject's versions persists this alongside each
   * {@link SchemaRegistered} and replays it, so ids outlive subjects and are never reused.
   */
  public record SchemaIdAssigned(int id, Schema schema) implements Change {}

  /**
   * Receives each change BEFORE it is applied in memory, under the registry's lock; throwing
   * (e.g. a {@link SchemaRegistryException} with {@link SchemaRegistryException#STORE_ERROR})
   * rejects the change and leaves the registry unchanged.
   */
  public interface ChangeListener {
    void changed(Change change);
  }

  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<String, Integer> idsBySchemaText = new HashMap<>();
  private final Map<String, List<Integer>> idsBySubjectVersion = new LinkedHashMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
  private int nextId = 1;
  private final ChangeListener listener;

  public InMemorySchemaRegistry() {
    this(change -> {});
  }

  public InMemorySchemaRegistry(ChangeListener listener) {
    this.listener = Objects.requireNonNull(listener);
  }

  @Override
  public synchronized int register(String subject, Schema schema) {
    requireSubject(subject);
    List<Integer> versions = idsBySubjectVersion.getOrDefault(subject, List.of());
    Integer known = idsBySchemaText.get(schema.toString());
    if (known != null && versions.contains(known)) {
      return known;
    }
    String incompatibility = incompatibility(subject, schema);
    if (incompatibility != null) {
      throw new SchemaRegistryException(SchemaRegistryException.INCOMPATIBLE_SCHEMA,
          "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\": "
              + incompatibility);
    }
    int id = known != null ? known : nextId;
    SchemaRegistered change = new SchemaRegistered(new RegisteredSchema(subject, versions.size() + 1, id, schema));
    listener.changed(change);
    apply(change);
    return id;
  }

  @Override
  public synchronized RegisteredSchema lookup(String subject, Schema schema) {
    List<Integer> versions = requireVersions(subject);
    Integer id = idsBySchemaText.get(schema.toString());
    int index = id == null ? -1 : versions.indexOf(id);
    if (index < 0) {
      throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found");
    }
    return new RegisteredSchema(subject, index + 1, id, schemasById.get(id));
  }

  @Override
  public synchronized Schema schemaById(int id) {
    Schema schema = schemasById.get(id);
    if (schema == null) {
      throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
    }
    return schema;
  }

  @Override
  public synchronized RegisteredSchema latest(String subject) {
    List<Integer> versions = requireVersions(subject);
    return version(subject, versions.size());
  }

  @Override
  public synchronized RegisteredSchema version(String subject, int version) {
    List<Integer> versions = requireVersions(subject);
    if (version < 1 || version > versions.size()) {
      throw new SchemaRegistryException(SchemaRegistryException.VERSION_NOT_FOUND,
          "Version " + version + " not found for subject \"" + subject + "\" (it has " + versions.size() + ")");
    }
    int id = versions.get(version - 1);
    return new RegisteredSchema(subject, version, id, schemasById.get(id));
  }

  @Override
  public synchronized boolean isCompatible(String subject, Schema schema) {
    return incompatibility(subject, schema) == null;
  }

  @Override
  public synchronized List<String> subjects() {
    return List.copyOf(idsBySubjectVersion.keySet());
  }

  @Override
  public synchronized List<Integer> versions(String subject) {
    int count = requireVersions(subject).size();
    List<Integer> numbers = new ArrayList<>(count);
    for (int v = 1; v <= count; v++) {
      numbers.add(v);
    }
    return numbers;
  }

  @Override
  public synchronized CompatibilityLevel compatibility(String subject) {
    return subject == null ? globalLevel : subjectLevels.getOrDefault(subject, globalLevel);
  }

  /** The level set for {@code subject} itself, or null when it follows the global level. */
  public synchronized CompatibilityLevel subjectCompatibility(String subject) {
    return subjectLevels.get(subject);
  }

  /**
   * Null when {@code candidate} may be registered after {@code version} of {@code subject}, else
   * why not. A null version checks as registering would (the latest, or every version when the
   * subject's level is transitive); a given version is checked alone, in the directions the
   * subject's level asks for, as Confluent's compatibility endpoint does.
   */
  public synchronized String incompatibility(String subject, Integer version, Schema candidate) {
    if (version == null) {
      requireVersions(subject);
      return incompatibility(subject, candidate);
    }
    RegisteredSchema existing = version(subject, version);
    return incompatibility(compatibility(subject), List.of(existing.id()), candidate);
  }

  @Override
  public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
    Objects.requireNonNull(level, "compatibility level");
    CompatibilitySet change = new CompatibilitySet(subject, level);
    listener.changed(change);
    apply(change);
  }

  /** Deletes a subject; returns the versions it had. */
  public synchronized List<Integer> deleteSubject(String subject) {
    List<Integer> versions = versions(subject);
    SubjectDeleted change = new SubjectDeleted(subject);
    listener.changed(change);
    apply(change);
    return versions;
  }

  /** Applies a change without checks or notification: replaying what was persisted. */
  public synchronized void apply(Change change) {
    if (change instanceof SchemaRegistered registered) {
      RegisteredSchema s = registered.schema();
      schemasById.put(s.id(), s.schema());
      idsBySchemaText.putIfAbsent(s.schema().toString(), s.id());
      List<Integer> versions = idsBySubjectVersion.computeIfAbsent(s.subject(), k -> new ArrayList<>());
      if (s.version() <= versions.size()) {
        versions.set(s.version() - 1, s.id());
      } else {
        versions.add(s.id());
      }
      nextId = Math.max(nextId, s.id() + 1);
    } else if (change instanceof CompatibilitySet set) {
      if (set.subject() == null) {
        globalLevel = set.level();
      } else {
        subjectLevels.put(set.subject(), set.level());
      }
    } else if (change instanceof SubjectDeleted deleted) {
      idsBySubjectVersion.remove(deleted.subject());
      subjectLevels.remove(deleted.subject());
    } else if (change instanceof SchemaIdAssigned assigned) {
      schemasById.put(assigned.id(), assigned.schema());
      idsBySchemaText.putIfAbsent(assigned.schema().toString(), assigned.id());
      nextId = Math.max(nextId, assigned.id() + 1);
    }
  }

  /** Null when compatible, else why not. */
  private String incompatibility(String subject, Schema candidate) {
    List<Integer> versions = idsBySubjectVersion.getOrDefault(subject, List.of());
    CompatibilityLevel level = compatibility(subject);
    if (versions.isEmpty() || level == CompatibilityLevel.NONE) {
      return null;
    }
    List<Integer> toCheck = level.transitive() ? versions : List.of(versions.get(versions.size() - 1));
    return incompatibility(level, toCheck, candidate);
  }

  private String incompatibility(CompatibilityLevel level, List<Integer> toCheck, Schema candidate) {
    for (int id : toCheck) {
      Schema existing = schemasById.get(id);
      if (level.checksBackward()) {
        String problem = readProblem(candidate, existing);
        if (problem != null) {
          return "new schema cannot read data written with schema id " + id + " (" + level + "): " + problem;
        }
      }
      if (level.checksForward()) {
        String problem = readProblem(existing, candidate);
        if (problem != null) {
          return "schema id " + id + " cannot read data written with the new schema (" + level + "): " + problem;
        }
      }
    }
    return null;
  }

  private static String readProblem(Schema reader, Schema writer) {
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return null;
    }
    return result.getIncompatibilities().stream()
        .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
        .reduce((a, b) -> a + "; " + b)
        .orElse("incompatible");
  }

  private List<Integer> requireVersions(String subject) {
    List<Integer> versions = idsBySubjectVersion.get(subject);
    if (versions == null) {
      throw new SchemaRegistryException(SchemaRegistryException.SUBJECT_NOT_FOUND,
          "Subject '" + subject + "' not found.");
    }
    return versions;
  }

  private static void requireSubject(String subject) {
    if (subject == null || subject.isBlank()) {
      throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "subject must not be empty");
    }
  }
}
