package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.registry.CompatibilityLevel;
import io.alignstream.common.registry.HttpSchemaRegistryClient;
import io.alignstream.common.registry.RegisteredSchema;
import io.alignstream.common.registry.SchemaRegistryException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Our HTTP client against the embedded registry, over real HTTP, persisting to a real broker. */
class EmbeddedSchemaRegistryIT {

  private static final AtomicInteger TOPICS = new AtomicInteger();

  static Schema record(String fields) {
    return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":["
        + fields + "]}");
  }

  static final Schema V1 = record("{\"name\":\"a\",\"type\":\"int\"}");
  static final Schema V2_WITH_DEFAULT = record(
      "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
  static final Schema V2_WITHOUT_DEFAULT = record(
      "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}");

  private EmbeddedSchemaRegistry registry;
  private HttpSchemaRegistryClient client;

  @BeforeEach
  void start() {
    registry = EmbeddedSchemaRegistry.start(settings());
    client = new HttpSchemaRegistryClient(registry.url(), Map.of());
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  private static EmbeddedSchemaRegistry.Settings settings() {
    return EmbeddedSchemaRegistry.Settings.of(SharedTestBroker.bootstrapServers())
        .withTopic("_schemas-registry-test-" + TOPICS.incrementAndGet());
  }

  @Test
  void registersLooksUpAndResolvesSchemas() {
    int first = client.register("t-value", V1);
    assertThat(client.register("t-value", V1)).isEqualTo(first);
    assertThat(client.register("u-value", V1)).isEqualTo(first);
    int second = client.register("t-value", V2_WITH_DEFAULT);

    assertThat(second).isNotEqualTo(first);
    assertThat(client.lookup("u-value", V1)).isEqualTo(new RegisteredSchema("u-value", 1, first, V1));
    assertThat(client.latest("t-value")).isEqualTo(new RegisteredSchema("t-value", 2, second, V2_WITH_DEFAULT));
    assertThat(client.version("t-value", 1)).isEqualTo(new RegisteredSchema("t-value", 1, first, V1));
    assertThat(client.subjects()).containsExactlyInAnyOrder("t-value", "u-value");
    assertThat(client.versions("t-value")).containsExactly(1, 2);
    // A fresh client has nothing cached: the schema comes from GET /schemas/ids/{id}.
    HttpSchemaRegistryClient fresh = new HttpSchemaRegistryClient(registry.url(), Map.of());
    assertThat(fresh.schemaById(second)).isEqualTo(V2_WITH_DEFAULT);
    assertThat(fresh.schemaById(first)).isEqualTo(V1);
  }

  @Test
  void enforcesAndReportsCompatibilityLevels() {
    client.register("t-value", V1);
    assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);
    assertThat(client.compatibility("t-value")).isEqualTo(CompatibilityLevel.BACKWARD);
    assertThat(client.isCompatible("t-value", V2_WITHOUT_DEFAULT)).isFalse();
    assertThat(client.isCompatible("t-value", V2_WITH_DEFAULT)).isTrue();
    assertThat(client.isCompatible("no-such-value", V2_WITHOUT_DEFAULT)).isTrue();
    SchemaRegistryException incompatible = failure(() -> client.register("t-value", V2_WITHOUT_DEFAULT));
    assertThat(incompatible.errorCode()).isEqualTo(409);
    assertThat(incompatible.httpStatus()).isEqualTo(409);
    assertThat(incompatible).hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE");

    client.setCompatibility("t-value", CompatibilityLevel.NONE);
    assertThat(client.compatibility("t-value")).isEqualTo(CompatibilityLevel.NONE);
    assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);
    client.register("t-value", V2_WITHOUT_DEFAULT);
    assertThat(client.versions("t-value")).containsExactly(1, 2);

    client.setCompatibility(null, CompatibilityLevel.FULL);
    assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.FULL);
    assertThat(client.compatibility("other-value")).isEqualTo(CompatibilityLevel.FULL);
    assertThat(client.compatibility("t-value")).isEqualTo(CompatibilityLevel.NONE);
  }

  @Test
  void errorsCarryConfluentCodesAndStatuses() {
    int id = client.register("t-value", V1);

    assertThat(failure(() -> client.latest("nope"))).extracting(e -> e.errorCode(), e -> e.httpStatus())
        .containsExactly(40401, 404);
    assertThat(failure(() -> client.version("t-value", 2))).extracting(e -> e.errorCode(), e -> e.httpStatus())
        .containsExactly(40402, 404);
    assertThat(failure(() -> client.schemaById(id + 100))).extracting(e -> e.errorCode(), e -> e.httpStatus())
        .containsExactly(40403, 404);
    assertThat(failure(() -> client.lookup("t-value", V2_WITH_DEFAULT))).extracting(e -> e.errorCode())
        .isEqualTo(40403);
    assertThat(failure(() -> client.lookup("nope", V1))).extracting(e -> e.errorCode()).isEqualTo(40401);
    assertThat(failure(() -> client.versions("nope"))).extracting(e -> e.errorCode()).isEqualTo(40401);
  }

  @Test
  void subjectsNeedingPercentEncodingRoundTrip() {
    String subject = "dir/a b+c%d-value";
    int id = client.register(subject, V1);

    assertThat(client.subjects()).containsExactly(subject);
    assertThat(client.latest(subject)).isEqualTo(new RegisteredSchema(subject, 1, id, V1));
    assertThat(client.lookup(subject, V1).id()).isEqualTo(id);
    client.setCompatibility(subject, CompatibilityLevel.FORWARD);
    assertThat(client.compatibility(subject)).isEqualTo(CompatibilityLevel.FORWARD);
    assertThat(failure(() -> client.latest("dir/a b+c%d"))).extracting(e -> e.errorCode()).isEqualTo(40401);
  }

  @Test
  void aFailedWriteAnswers50001ChangesNothingAndWritesResumeWhenKafkaReturns() throws Exception {
    registry.close();
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path dataDir = Files.createTempDirectory("registry-failure-test");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir, port);
    try {
      registry = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings.of(broker.bootstrapServers())
          .withWriteTimeout(Duration.ofSeconds(2)));
      client = new HttpSchemaRegistryClient(registry.url(), Map.of());
      int first = client.register("t-value", V1);
      broker.close();

      SchemaRegistryException failed = failure(() -> client.register("t-value", V2_WITH_DEFAULT));
      assertThat(failed.errorCode()).isEqualTo(50001);
      assertThat(failed.httpStatus()).isEqualTo(500);
      assertThat(failure(() -> client.setCompatibility(null, CompatibilityLevel.NONE)).errorCode()).isEqualTo(50001);
      // Reads are served from memory, which holds only what was persisted.
      assertThat(client.versions("t-value")).containsExactly(1);
      assertThat(client.compatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);

      broker = EmbeddedKafkaBroker.start(dataDir, port);
      int second = client.register("t-value", V2_WITH_DEFAULT);
      assertThat(second).isEqualTo(first + 1); // the failed attempt used up no id
      registry.close();

      registry = EmbeddedSchemaRegistry.start(EmbeddedSchemaRegistry.Settings.of(broker.bootstrapServers()));
      HttpSchemaRegistryClient afterRestart = new HttpSchemaRegistryClient(registry.url(), Map.of());
      assertThat(afterRestart.versions("t-value")).containsExactly(1, 2);
      assertThat(afterRestart.latest("t-value").id()).isEqualTo(second);
      assertThat(afterRestart.compatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);
    } finally {
      registry.close();
      broker.close();
      deleteRecursively(dataDir);
    }
  }

  @Test
  void aSecondRegistryOnTheSameTopicFencesTheFirstInsteadOfReusingIds() {
    EmbeddedSchemaRegistry.Settings shared = settings();
    registry.close();
    registry = EmbeddedSchemaRegistry.start(shared);
    HttpSchemaRegistryClient a = new HttpSchemaRegistryClient(registry.url(), Map.of());
    int x = a.register("t-value", V1);
    try (EmbeddedSchemaRegistry second = EmbeddedSchemaRegistry.start(shared)) {
      HttpSchemaRegistryClient b = new HttpSchemaRegistryClient(second.url(), Map.of());
      assertThat(b.latest("t-value").id()).isEqualTo(x);
      int y = b.register("u-value", V2_WITH_DEFAULT);

      // The first registry does not know y and would hand its id out again: it is fenced.
      assertThat(failure(() -> a.register("w-value", V2_WITHOUT_DEFAULT)).errorCode()).isEqualTo(50001);
      // Retried, it first reads what the other wrote, then takes over as the writer.
      int z = a.register("w-value", V2_WITHOUT_DEFAULT);
      assertThat(z).isNotIn(x, y);
      assertThat(a.latest("u-value").id()).isEqualTo(y);
    }
  }

  private static SchemaRegistryException failure(Runnable call) {
    try {
      call.run();
    } catch (SchemaRegistryException e) {
      return e;
    }
    throw new AssertionError("expected a SchemaRegistryException");
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
