package io.alignstream.extractor.sd3;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.common.Digests;
import io.alignstream.extractor.Feature;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in {@code tiny-sd3}: a complete diffusers SD3 folder, the same bytes for a seed, run through FeatureModels. */
class TinySd3PipelineTest {

  private static String digestOfTree(Path dir) throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        all.append(dir.relativize(f)).append('=').append(Digests.sha256Hex(Files.readAllBytes(f))).append('\n');
      }
    }
    return all.toString();
  }

  @Test
  void sameSeedSameBytesAndOtherSeedOtherWeights(@TempDir Path dir) throws IOException {
    String a = digestOfTree(TinySd3Pipeline.write(dir.resolve("a"), 3));
    String b = digestOfTree(TinySd3Pipeline.write(dir.resolve("b"), 3));
    String c = digestOfTree(TinySd3Pipeline.write(dir.resolve("c"), 4));
    assertThat(a).isEqualTo(b);
    assertThat(c).isNotEqualTo(a);
    assertThat(a).contains("transformer/diffusion_pytorch_model.safetensors", "tokenizer_3/spiece.model",
        "text_encoder_3/model.safetensors", "tokenizer_2/vocab.json");
  }

  @Test
  void runsThroughFeatureModelsFromTheModelCache(@TempDir Path dir) {
    ModelOptions options = ModelOptions.defaults().withModelCache(dir).withTaps("default,Context0");
    BufferedImage image = new BufferedImage(80, 64, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 80; x++) {
        image.setRGB(x, y, (x * 3) << 16 | (y * 4) << 8 | (x + y));
      }
    }
    ImageInput in = new ImageInput("i", "cat", image, List.of(0.2, 0.5), List.of(), List.of(Conditioning.NONE,
        Conditioning.TEXT), 1, 64, LatentMode.SAMPLE);
    try (FeatureModel model = FeatureModels.open(TinySd3Pipeline.NAME, null, options)) {
      assertThat(model.info().modelId()).isEqualTo("tiny-sd3");
      assertThat(model.info().source()).isEqualTo("builtin:tiny-sd3?seed=0");
      assertThat(model.info().layers()).extracting(l -> l.name())
          .containsExactly("Block0", "Block1", "Block2", "Context0");
      assertThat(model.info().properties().get("t5")).startsWith("T5 states");
      List<Feature> features = model.extract(List.of(in));
      assertThat(features).hasSize(2 * 2 * 4);
      assertThat(features).allMatch(f -> f.vector().length == 32);
      float[] none = features.stream().filter(f -> f.layer().equals("Block1") && f.conditioning() == Conditioning.NONE
          && f.noiseLevel() == 0.5).findFirst().orElseThrow().vector();
      float[] text = features.stream().filter(f -> f.layer().equals("Block1") && f.conditioning() == Conditioning.TEXT
          && f.noiseLevel() == 0.5).findFirst().orElseThrow().vector();
      assertThat(Sd3Fixtures.maxAbsDiff(none, text)).as("the prompt changes the image stream").isGreaterThan(1e-4f);
    }
    assertThat(dir.resolve("tiny-sd3-seed0").resolve("model_index.json")).isRegularFile();
  }
}
