package io.alignstream.common.registry;

/** Confluent's compatibility levels; "transitive" checks all versions, not just the latest. */
public enum CompatibilityLevel {
  NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

  boolean transitive() {
    return name().endsWith("_TRANSITIVE");
  }

  /** New readers must read data written with old schemas. */
  boolean checksBackward() {
    return this != NONE && !name().startsWith("FORWARD");
  }

  /** Old readers must read data written with the new schema. */
  boolean checksForward() {
    return this != NONE && !name().startsWith("BACKWARD");
  }
}
