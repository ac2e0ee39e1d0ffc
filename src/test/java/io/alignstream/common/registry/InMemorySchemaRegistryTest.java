package io.alignstream.common.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

  private static Schema record(String fields) {
    return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}");
  }

  private static final Schema V1 = record("{\"name\":\"a\",\"type\":\"int\"}");
  private static final Schema V2_WITH_DEFAULT = record(
      "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
  private static final Schema V2_WITHOUT_DEFAULT = record(
      "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}");

  @Test
  void sameSchemaGetsSameIdAcrossSubjectsAndNoNewVersion() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    int first = registry.register("t-value", V1);
    assertThat(registry.register("t-value", V1)).isEqualTo(first);
    assertThat(registry.register("u-value", V1)).isEqualTo(first);
    assertThat(registry.versions("t-value")).containsExactly(1);
    assertThat(registry.lookup("u-value", V1)).isEqualTo(new RegisteredSchema("u-value", 1, first, V1));
  }

  @Test
  void backwardCompatibilityIsEnforcedByDefault() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    registry.register("t-value", V1);

    assertThat(registry.isCompatible("t-value", V2_WITHOUT_DEFAULT)).isFalse();
    assertThatThrownBy(() -> registry.register("t-value", V2_WITHOUT_DEFAULT))
        .isInstanceOf(SchemaRegistryException.class)
        .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(409))
        .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE");

    int v2 = registry.register("t-value", V2_WITH_DEFAULT);
    assertThat(registry.latest("t-value")).isEqualTo(new RegisteredSchema("t-value", 2, v2, V2_WITH_DEFAULT));
  }

  @Test
  void compatibilityNoneAcceptsAnything() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    registry.register("t-value", V1);
    registry.setCompatibility("t-value", CompatibilityLevel.NONE);
    registry.register("t-value", V2_WITHOUT_DEFAULT);
    assertThat(registry.versions("t-value")).containsExactly(1, 2);
    assertThat(registry.compatibility("other")).isEqualTo(CompatibilityLevel.BACKWARD);
  }

  @Test
  void unknownSubjectsVersionsAndIdsHaveTheApiErrorCodes() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    registry.register("t-value", V1);
    assertThat(codeOf(() -> registry.latest("nope"))).isEqualTo(40401);
    assertThat(codeOf(() -> registry.version("t-value", 2))).isEqualTo(40402);
    assertThat(codeOf(() -> registry.schemaById(99))).isEqualTo(40403);
    assertThat(codeOf(() -> registry.lookup("t-value", V2_WITH_DEFAULT))).isEqualTo(40403);
  }

  @Test
  void replayingTheChangesRebuildsTheSameRegistry() {
    List<InMemorySchemaRegistry.Change> log = new ArrayList<>();
    InMemorySchemaRegistry original = new InMemorySchemaRegistry(log::add);
    original.register("t-value", V1);
    original.register("t-value", V2_WITH_DEFAULT);
    original.setCompatibility(null, CompatibilityLevel.FULL);
    original.register("u-value", V2_WITH_DEFAULT);

    InMemorySchemaRegistry replayed = new InMemorySchemaRegistry();
    log.forEach(replayed::apply);

    assertThat(replayed.latest("t-value")).isEqualTo(original.latest("t-value"));
    assertThat(replayed.latest("u-value")).isEqualTo(original.latest("u-value"));
    assertThat(replayed.compatibility(null)).isEqualTo(CompatibilityLevel.FULL);
    assertThat(replayed.register("w-value", record("{\"name\":\"z\",\"type\":\"long\"}")))
        .isEqualTo(original.register("w-value", record("{\"name\":\"z\",\"type\":\"long\"}")));
  }

  @Test
  void aChangeTheListenerRejectsLeavesTheRegistryAsItWas() {
    boolean[] failing = {false};
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry(change -> {
      if (failing[0]) {
        throw new SchemaRegistryException(SchemaRegistryException.STORE_ERROR, "store down");
      }
    });
    int first = registry.register("t-value", V1);
    failing[0] = true;

    assertThat(codeOf(() -> registry.register("t-value", V2_WITH_DEFAULT))).isEqualTo(50001);
    assertThat(codeOf(() -> registry.setCompatibility("t-value", CompatibilityLevel.NONE))).isEqualTo(50001);
    assertThat(codeOf(() -> registry.deleteSubject("t-value"))).isEqualTo(50001);

    assertThat(registry.versions("t-value")).containsExactly(1);
    assertThat(codeOf(() -> registry.lookup("t-value", V2_WITH_DEFAULT))).isEqualTo(40403);
    assertThat(registry.subjectCompatibility("t-value")).isNull();
    failing[0] = false;
    // The rejected registration consumed no id: the next schema gets the one after the first.
    assertThat(registry.register("t-value", V2_WITH_DEFAULT)).isEqualTo(first + 1);
  }

  @Test
  void compatibilityWithOneVersionChecksThatVersionAlone() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    registry.register("t-value", V1);
    registry.setCompatibility("t-value", CompatibilityLevel.NONE);
    registry.register("t-value", V2_WITHOUT_DEFAULT);
    registry.setCompatibility("t-value", CompatibilityLevel.BACKWARD);
    // Reading v1 data with V2_WITHOUT_DEFAULT lacks b's default; reading v2 data is trivially fine.
    Schema candidate = V2_WITHOUT_DEFAULT;

    assertThat(registry.incompatibility("t-value", 1, candidate)).contains("READER_FIELD_MISSING_DEFAULT_VALUE");
    assertThat(registry.incompatibility("t-value", 2, candidate)).isNull();
    assertThat(registry.incompatibility("t-value", null, candidate)).isNull();
    registry.setCompatibility("t-value", CompatibilityLevel.BACKWARD_TRANSITIVE);
    assertThat(registry.incompatibility("t-value", null, candidate)).isNotNull();
    assertThat(codeOf(() -> registry.incompatibility("t-value", 3, candidate))).isEqualTo(40402);
    assertThat(codeOf(() -> registry.incompatibility("nope", null, candidate))).isEqualTo(40401);
  }

  @Test
  void subjectCompatibilityIsOnlyWhatTheSubjectSetItself() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    registry.setCompatibility(null, CompatibilityLevel.FULL);
    assertThat(registry.subjectCompatibility("t-value")).isNull();
    assertThat(registry.compatibility("t-value")).isEqualTo(CompatibilityLevel.FULL);
    registry.setCompatibility("t-value", CompatibilityLevel.NONE);
    assertThat(registry.subjectCompatibility("t-value")).isEqualTo(CompatibilityLevel.NONE);
  }

  @Test
  void idsReplayedWithoutTheirSubjectsStayResolvableAndAreNotReused() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    registry.apply(new InMemorySchemaRegistry.SchemaIdAssigned(7, V1));

    assertThat(registry.schemaById(7)).isEqualTo(V1);
    assertThat(registry.subjects()).isEmpty();
    assertThat(registry.register("t-value", V1)).isEqualTo(7);
    assertThat(registry.register("t-value", V2_WITH_DEFAULT)).isEqualTo(8);
  }

  private static int codeOf(Runnable call) {
    try {
      call.run();
    } catch (SchemaRegistryException e) {
      return e.errorCode();
    }
    throw new AssertionError("expected a SchemaRegistryException");
  }
}
