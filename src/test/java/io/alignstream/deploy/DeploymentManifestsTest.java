package io.alignstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every Kubernetes object the overlays render, every on-demand Job and the compose file validate
 * against the JSON schema of their kind (deploy/schemas, see {@link ManifestSchemas}); and the
 * validation refuses what the API server or the operators would refuse or silently drop, so that
 * a pass means something.
 */
class DeploymentManifestsTest {

  private static ManifestSchemas schemas;

  @BeforeAll
  static void loadSchemas() throws IOException {
    schemas = ManifestSchemas.load();
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void everyRenderedObjectValidatesAgainstTheSchemaOfItsKind(String overlay) {
    Manifests manifests = Manifests.overlay(overlay);
    List<String> errors = new ArrayList<>();
    Set<String> kinds = new TreeSet<>();
    for (JsonNode object : manifests.objects()) {
      errors.addAll(schemas.errors(object));
      kinds.add(object.path("kind").asText());
    }
    assertThat(errors).as(manifests.where()).isEmpty();
    assertThat(kinds).contains("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Deployment", "StatefulSet",
        "Service", "Job", "ScaledObject", "TriggerAuthentication", "PodMonitor");
  }

  @Test
  void theOnDemandJobsValidate() throws IOException {
    for (Path job : Manifests.ON_DEMAND_JOBS) {
      for (JsonNode object : Manifests.file(job).objects()) {
        assertThat(schemas.errors(object)).as(job.toString()).isEmpty();
      }
    }
  }

  @Test
  void theComposeFileValidatesAgainstTheComposeSpecification() throws IOException {
    JsonNode compose = Manifests.file(Path.of("docker-compose.yml")).objects().get(0);
    assertThat(ManifestSchemas.composeErrors(compose)).isEmpty();

    ObjectNode misspelt = compose.deepCopy();
    ObjectNode scorer = (ObjectNode) misspelt.at("/services/scorer");
    scorer.set("stop_grace_periode", scorer.remove("stop_grace_period"));
    assertThat(ManifestSchemas.composeErrors(misspelt)).singleElement().asString()
        .contains("/services/scorer").contains("stop_grace_periode");
  }

  @Test
  void aMisspeltFieldAWrongTypeOrAnUnknownKindIsAnError() {
    Manifests manifests = Manifests.overlay("gpu");

    ObjectNode extractor = manifests.one("Deployment", "alignstream-extractor").deepCopy();
    ObjectNode container = (ObjectNode) extractor.at("/spec/template/spec/containers/0");
    container.set("livenesProbe", container.remove("livenessProbe"));
    assertThat(schemas.errors(extractor)).singleElement().asString()
        .contains("Deployment alignstream-extractor").contains("/spec/template/spec/containers/0").contains("livenesProbe");

    ObjectNode port = extractor.deepCopy();
    ((ObjectNode) port.at("/spec/template/spec/containers/0/ports/0")).put("containerPort", "nine thousand");
    assertThat(schemas.errors(port)).anyMatch(e -> e.contains("/spec/template/spec/containers/0/ports/0/containerPort"));

    ObjectNode kafka = manifests.one("Kafka", "alignstream").deepCopy();
    ((ObjectNode) kafka.at("/spec/kafka/listeners/0/authentication")).put("type", "scram-sha-256");
    assertThat(schemas.errors(kafka)).anyMatch(e -> e.contains("/spec/kafka/listeners/0/authentication/type"));

    ObjectNode topic = manifests.one("KafkaTopic", "alignstream.requests").deepCopy();
    ((ObjectNode) topic.get("spec")).put("partitions", 0);
    assertThat(schemas.errors(topic)).anyMatch(e -> e.contains("/spec/partitions"));

    ObjectNode scaled = manifests.one("ScaledObject", "alignstream-extractor").deepCopy();
    ((ObjectNode) scaled.at("/spec/triggers/0")).remove("type");
    assertThat(schemas.errors(scaled)).anyMatch(e -> e.contains("/spec/triggers/0") && e.contains("type"));

    // A custom resource's metadata is checked as Kubernetes' ObjectMeta.
    ObjectNode user = manifests.one("KafkaUser", "alignstream").deepCopy();
    ((ObjectNode) user.at("/metadata/labels")).putArray("replicas").add(3);
    assertThat(schemas.errors(user)).anyMatch(e -> e.contains("/labels/replicas"));

    ObjectNode unknown = manifests.one("Service", "alignstream-scorer").deepCopy();
    unknown.put("apiVersion", "v2");
    assertThat(schemas.errors(unknown)).singleElement().asString().contains("no schema for v2 Service");
  }

  @Test
  void intOrStringFieldsAndQuantitiesTakeNumbersAsTheApiServerDoes() {
    // The GPU overlay's container asks for `nvidia.com/gpu: 1` and its probes name ports: both valid.
    JsonNode extractor = Manifests.overlay("gpu").one("Deployment", "alignstream-extractor");
    assertThat(extractor.at("/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu").isNumber()).isTrue();
    assertThat(extractor.at("/spec/template/spec/containers/0/livenessProbe/httpGet/port").isTextual()).isTrue();
    assertThat(schemas.errors(extractor)).isEmpty();

    ObjectNode byNumber = extractor.deepCopy();
    ((ObjectNode) byNumber.at("/spec/template/spec/containers/0/livenessProbe/httpGet")).put("port", 9464);
    assertThat(schemas.errors(byNumber)).isEmpty();
    ((ObjectNode) byNumber.at("/spec/template/spec/containers/0/livenessProbe/httpGet")).put("port", true);
    assertThat(schemas.errors(byNumber)).isNotEmpty();
  }
}
