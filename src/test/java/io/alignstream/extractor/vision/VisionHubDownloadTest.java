package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.extractor.CheckpointOptions;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.diffusion.LocalHub;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.hub.HubSettings;
import io.alignstream.onnx.proto.OnnxProto.ModelProto;
import io.alignstream.onnx.proto.OnnxProto.StringStringEntryProto;
import io.alignstream.onnx.proto.OnnxProto.TensorProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --model org/name --download} for a vision model: from a local server playing the hub,
 * the model file the folder rule picks, the external data its graph names and
 * preprocessor_config.json are fetched into the hub cache, nothing else; the snapshot then
 * extracts the fixture's reference layers.
 */
class VisionHubDownloadTest {

  private static final String REPO = "vision-org/resnet-external";

  @TempDir
  Path tmp;

  /** The fixture ResNet's model.onnx with its large initializers moved to weights.bin, and a repository's usual extras. */
  private static Map<String, byte[]> repository() throws IOException {
    Path fixture = VisionFixtures.model("resnet");
    ModelProto.Builder model = ModelProto.parseFrom(Files.readAllBytes(fixture.resolve("model.onnx"))).toBuilder();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (int i = 0; i < model.getGraph().getInitializerCount(); i++) {
      TensorProto t = model.getGraph().getInitializer(i);
      if (t.getRawData().size() < 1024) {
        continue;
      }
      long offset = data.size();
      t.getRawData().writeTo(data);
      model.getGraphBuilder().setInitializer(i, t.toBuilder().clearRawData()
          .setDataLocation(TensorProto.DataLocation.EXTERNAL)
          .addExternalData(entry("location", "weights.bin"))
          .addExternalData(entry("offset", String.valueOf(offset)))
          .addExternalData(entry("length", String.valueOf(t.getRawData().size()))));
    }
    Map<String, byte[]> files = new TreeMap<>();
    files.put("model.onnx", model.build().toByteArray());
    files.put("weights.bin", data.toByteArray());
    files.put("preprocessor_config.json", Files.readAllBytes(fixture.resolve("preprocessor_config.json")));
    files.put("README.md", "# a ResNet".getBytes(StandardCharsets.UTF_8));
    files.put("onnx/model_quantized.onnx", "another export".getBytes(StandardCharsets.UTF_8));
    return files;
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  private CheckpointOptions download(LocalHub hub, boolean download) {
    return new CheckpointOptions(download, null, null, new HubSettings(tmp.resolve("hub"), hub.endpoint(), null, false));
  }

  @Test
  void fetchesTheModelItsExternalDataAndItsPreprocessingAndExtractsFromTheSnapshot() throws IOException {
    try (LocalHub hub = new LocalHub(REPO, repository(), Set.of())) {
      assertThat(VisionModelSource.resolve(REPO, download(hub, false))).as("not cached yet").isEmpty();

      VisionModelSource source = VisionModelSource.resolve(REPO, download(hub, true)).orElseThrow();
      assertThat(source.format()).isEqualTo("onnx");
      assertThat(source.file().getFileName()).hasToString("model.onnx");
      assertThat(source.name()).isEqualTo("resnet-external");
      assertThat(source.preprocessorConfig()).isNotNull();
      assertThat(source.origin().hubCommit()).isEqualTo(LocalHub.COMMIT);
      List<String> gets = hub.requests().stream().filter(r -> r.startsWith("GET /cdn/") || r.startsWith("GET /"
          + REPO)).toList();
      assertThat(gets).anyMatch(r -> r.contains("model.onnx")).anyMatch(r -> r.contains("weights.bin"))
          .anyMatch(r -> r.contains("preprocessor_config.json"))
          .noneMatch(r -> r.contains("README") || r.contains("quantized"));

      // offline now: the cached snapshot is found without the server
      int before = hub.requests().size();
      assertThat(VisionModelSource.resolve(REPO, download(hub, false))).get()
          .satisfies(cached -> assertThat(cached.file()).isEqualTo(source.file()));
      assertThat(hub.requests()).hasSize(before);

      Path out = tmp.resolve("out.safetensors");
      String layer4 = VisionFixtures.modelOnnxValue("resnet", "layer4");
      VisionFeatures.write(new VisionFeatures.Request(source, ModelOptions.defaults().withTaps(layer4)
          .withPooling("none"), null, VisionFixtures.model("resnet").resolve("reference.safetensors") + ":input", out));
      try (SafetensorsFile written = SafetensorsFile.open(out); SafetensorsFile ref = VisionFixtures.reference("resnet")) {
        assertThat(VisionFixtures.maxAbsDiff(written.floats("layer." + layer4), ref.floats("layer.layer4")))
            .isLessThanOrEqualTo(1e-4);
      }
    }
  }

  @Test
  void aRepositoryWithoutAModelFileOrWithExternalDataItLacksIsRefused() throws IOException {
    Map<String, byte[]> files = repository();
    files.remove("weights.bin");
    try (LocalHub hub = new LocalHub(REPO, files, Set.of())) {
      assertThatThrownBy(() -> VisionModelSource.resolve(REPO, download(hub, true)))
          .hasMessageContaining("keeps weights in weights.bin, which the repository does not hold");
    }
    try (LocalHub hub = new LocalHub(REPO, Map.of("README.md", new byte[] {'#'}), Set.of())) {
      assertThatThrownBy(() -> VisionModelSource.resolve(REPO, download(hub, true)))
          .hasMessageContaining("no .onnx or TorchScript file at its top level");
    }
  }
}
