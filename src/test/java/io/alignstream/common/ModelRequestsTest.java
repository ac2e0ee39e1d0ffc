package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.ModelRequest;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRequestsTest {

  private static ModelRequest request(String model, String id, String taps, List<Double> noise,
      List<Conditioning> conditionings, String by) {
    return ModelRequests.create(model, id, taps, "mean", noise, conditionings, "float32", by, Instant.EPOCH);
  }

  @Test
  void equalEvaluationsShareTheirKeyAndGroupWhoeverAsksAndInWhateverOrder() {
    ModelRequest first = request("tiny", null, "default", List.of(0.5, 0.1, 0.5), List.of(Conditioning.TEXT,
        Conditioning.NONE), "alice");
    ModelRequest second = ModelRequests.create("tiny", null, "default", "mean", List.of(0.1, 0.5),
        List.of(Conditioning.NONE, Conditioning.TEXT), "float32", "bob", Instant.now());

    assertThat(first.getNoiseLevels()).containsExactly(0.1, 0.5);
    assertThat(first.getConditionings()).containsExactly(Conditioning.NONE, Conditioning.TEXT);
    assertThat(ModelRequests.evaluationKey(first)).isEqualTo(ModelRequests.evaluationKey(second))
        .startsWith("tiny@").hasSize("tiny@".length() + 16);
    assertThat(ModelRequests.groupId(first)).isEqualTo(ModelRequests.groupId(second))
        .isEqualTo("alignstream-fleet-tiny-" + ModelRequests.evaluationKey(first).substring(5));
    assertThat(ModelRequests.canonicalString(first))
        .isEqualTo("model=tiny;model_id=;taps=default;pooling=mean;noise_levels=0.1,0.5;conditionings=NONE,TEXT;"
            + "dtype=float32");
    // The digest is SHA-256 of that text, as the class says.
    assertThat(ModelRequests.evaluationKey(first))
        .endsWith(Digests.sha256Hex(ModelRequests.canonicalString(first)).substring(0, 16));
  }

  @Test
  void anythingThatChangesTheResultsIsAnotherEvaluation() {
    ModelRequest base = request("/models/sd21", null, "default", List.of(), List.of(), "a");
    List<ModelRequest> others = List.of(
        request("/models/sd21", "sd21", "default", List.of(), List.of(), "a"),
        request("/models/sd21", null, "all", List.of(), List.of(), "a"),
        request("/models/sd21", null, "default", List.of(0.2), List.of(), "a"),
        request("/models/sd21", null, "default", List.of(), List.of(Conditioning.TEXT), "a"),
        ModelRequests.create("/models/sd21", null, "default", "max", List.of(), List.of(), "float32", "a", Instant.EPOCH),
        ModelRequests.create("/models/sd21", null, "default", "mean", List.of(), List.of(), "float16", "a", Instant.EPOCH),
        request("/models/sd21b", null, "default", List.of(), List.of(), "a"));
    assertThat(others).extracting(ModelRequests::evaluationKey).doesNotHaveDuplicates()
        .doesNotContain(ModelRequests.evaluationKey(base));
    // A path becomes a plain group name; the model id, when given, names key and group.
    assertThat(ModelRequests.groupId(base)).startsWith("alignstream-fleet-_models_sd21-");
    assertThat(ModelRequests.evaluationKey(others.get(0))).startsWith("sd21@");
  }

  @Test
  void aFileUriNamesItsPathAndEverythingElsePassesAsWritten() {
    assertThat(ModelRequests.modelArgument(request("file:///models/sd%202.1", null, "default", List.of(), List.of(),
        "a"))).isEqualTo("/models/sd 2.1");
    assertThat(ModelRequests.modelArgument(request("file:/models/v1.safetensors", null, "default", List.of(),
        List.of(), "a"))).isEqualTo("/models/v1.safetensors");
    for (String model : List.of("tiny", "pixels", "stabilityai/stable-diffusion-2-1@main", "../models/sd21")) {
      assertThat(ModelRequests.modelArgument(request(model, null, "default", List.of(), List.of(), "a")))
          .isEqualTo(model);
    }
    assertThatThrownBy(() -> ModelRequests.modelArgument(request("file://host/x", null, "default", List.of(),
        List.of(), "a"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesWhatNoFleetCouldEvaluate() {
    assertThatThrownBy(() -> request(" ", null, "default", List.of(), List.of(), "a"))
        .hasMessage("model request names no model");
    assertThatThrownBy(() -> request("tiny", "a|b", "default", List.of(), List.of(), "a"))
        .hasMessageContaining("model id 'a|b' must be non-empty and must not contain '|'");
    assertThatThrownBy(() -> request("tiny", null, "", List.of(), List.of(), "a"))
        .hasMessageContaining("empty taps, pooling or dtype");
    assertThatThrownBy(() -> request("tiny", null, "default", List.of(0.5, 1.5), List.of(), "a"))
        .hasMessage("noise level 1.5 of the model request for tiny is outside [0, 1]");
  }
}
