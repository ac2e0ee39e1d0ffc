package io.alignstream.common.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The subset of the Confluent Schema Registry REST API the pipeline uses. Implemented over
 * HTTP for any Confluent-compatible registry ({@link HttpSchemaRegistryClient}) and in memory
 * ({@link InMemorySchemaRegistry}, behind {@code mock://} URLs and the embedded registry).
 * Errors are {@link SchemaRegistryException}s carrying the API's error codes.
 */
public interface SchemaRegistryClient {

  /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
  int register(String subject, Schema schema);

  /** The id of {@code schema} under {@code subject}, without registering it. */
  RegisteredSchema lookup(String subject, Schema schema);

  /** The schema with this global id. */
  Schema schemaById(int id);

  /** The latest version registered under {@code subject}. */
  RegisteredSchema latest(String subject);

  /** A given version of {@code subject}. */
  RegisteredSchema version(String subject, int version);

  /** Whether {@code schema} may be registered under {@code subject} at its compatibility level. */
  boolean isCompatible(String subject, Schema schema);

  List<String> subjects();

  List<Integer> versions(String subject);

  /** Compatibility level of {@code subject}, or the global level when the subject has none. */
  CompatibilityLevel compatibility(String subject);

  /** Sets the compatibility level of {@code subject}, or the global level when it is null. */
  void setCompatibility(String subject, CompatibilityLevel level);
}
