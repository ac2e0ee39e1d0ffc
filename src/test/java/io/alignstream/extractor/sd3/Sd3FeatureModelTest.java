package io.alignstream.extractor.sd3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.extractor.Feature;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelInfo;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.Sd3Options;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The SD3 feature model on the tiny fixture pipelines, opened the way every command opens a
 * --model (FeatureModels): block names and order, the noise-level-to-sigma mapping of the
 * protocol, what T5 changes, and that batching, out-of-memory halving and caches change no value.
 */
class Sd3FeatureModelTest {

  private static ModelOptions options() {
    return ModelOptions.defaults().withTaps("default").withCaches(8, 8);
  }

  private static FeatureModel open(String name, ModelOptions options) {
    return FeatureModels.open(Sd3Fixtures.pipeline(name).toString(), null, options);
  }

  private static ImageInput input(int image, List<Double> noise) throws Exception {
    BufferedImage png = ImageIO.read(Sd3Fixtures.dir().resolve("images").resolve("input_image_" + image + ".png")
        .toFile());
    return new ImageInput("item" + image, image == 0 ? "cat" : "aardvark", png, noise, List.of(),
        List.of(Conditioning.NONE, Conditioning.TEXT), 7 + image, 64, LatentMode.SAMPLE);
  }

  private static Map<String, float[]> byKey(List<Feature> features) {
    Map<String, float[]> out = new HashMap<>();
    for (Feature f : features) {
      out.put(f.imageIndex() + "|" + f.layer() + "|" + f.noiseLevel() + "|" + f.conditioning(), f.vector());
    }
    return out;
  }

  @Test
  void blocksInOrderWithTheProtocolsSigmasAndTimesteps() throws Exception {
    try (FeatureModel model = open("tiny-sd3", options())) {
      ModelInfo info = model.info();
      assertThat(info.layers()).extracting(ModelInfo.Layer::name).containsExactly("Block0", "Block1", "Block2");
      assertThat(info.layers()).extracting(ModelInfo.Layer::path)
          .containsExactly("transformer_blocks.0", "transformer_blocks.1", "transformer_blocks.2");
      assertThat(info.layers()).allMatch(l -> l.dim() == 32);
      assertThat(info.properties().get("t5")).startsWith("T5 states");
      assertThat(info.modelId()).isEqualTo("tiny-sd3");
      assertThat(info.weightsDigest()).hasSize(64);

      List<Feature> features = model.extract(List.of(input(0, List.of(0.1, 0.5, 0.55, 1.0))));
      assertThat(features).hasSize(4 * 2 * 3);
      Map<Double, Integer> timesteps = new HashMap<>();
      features.forEach(f -> timesteps.put(f.noiseLevel(), f.timestep()));
      // sigmas[90] = 0.2366, sigmas[50] = 0.7473, sigmas[44] = 0.7904 (100 - 55.00000000000001 truncates to 44), 1.0
      assertThat(timesteps).containsEntry(0.1, 237).containsEntry(0.5, 747).containsEntry(0.55, 790)
          .containsEntry(1.0, 1000);
      assertThat(features).allMatch(f -> f.vector().length == 32);
      assertThat(features.stream().filter(f -> f.conditioning() == Conditioning.TEXT).map(Feature::prompt))
          .containsOnly("a photo of a cat");
    }
  }

  @Test
  void batchingHalvingAndCachesChangeNoValue() throws Exception {
    List<ImageInput> inputs = List.of(input(0, List.of(0.1, 0.9)), input(1, List.of(0.1, 0.9)));
    Map<String, float[]> one;
    try (FeatureModel model = open("tiny-sd3", options().withUnetBatch(1))) {
      one = byKey(model.extract(inputs));
    }
    // one input's joint attention: 2 (scores, weights) x 4 heads x (16 image + 333 text tokens)^2 x 4 bytes;
    // with that limit every multi-input forward "runs out of memory" and is halved down to single inputs
    long oneInput = 2L * 4 * 349 * 349 * 4;
    try (Sd3FeatureModel model = (Sd3FeatureModel) open("tiny-sd3", options().withUnetBatch(8)
        .withDeviceMemoryLimit(oneInput))) {
      assertThat(model.attentionBytesPerInput(8)).isEqualTo(oneInput);
      Map<String, float[]> halved = byKey(model.extract(inputs));
      assertThat(model.halvings()).isPositive();
      assertThat(halved.keySet()).isEqualTo(one.keySet());
      for (String k : one.keySet()) {
        assertThat(Sd3Fixtures.maxAbsDiff(halved.get(k), one.get(k))).as(k).isLessThan(1e-5f);
      }
      long prompts = model.promptsEncoded();
      long vae = model.vaeImagesEncoded();
      Map<String, float[]> again = byKey(model.extract(inputs));
      assertThat(model.promptsEncoded()).as("prompts come from the cache").isEqualTo(prompts);
      assertThat(model.vaeImagesEncoded()).as("latents come from the cache").isEqualTo(vae);
      for (String k : one.keySet()) {
        assertThat(again.get(k)).isEqualTo(halved.get(k));
      }
      assertThat(model.liveArrays()).as("nothing left in the managers between calls").isLessThanOrEqualTo(0);
    }
  }

  @Test
  void t5ChangesTheTextFeaturesAndDroppingItGivesTheT5LessPipeline() throws Exception {
    List<ImageInput> inputs = List.of(input(0, List.of(0.5)));
    Map<String, float[]> withT5;
    Map<String, float[]> dropped;
    Map<String, float[]> absent;
    try (FeatureModel model = open("tiny-sd3", options())) {
      withT5 = byKey(model.extract(inputs));
    }
    try (FeatureModel model = open("tiny-sd3", options().withSd3(new Sd3Options(false)))) {
      assertThat(model.info().properties().get("t5")).startsWith("absent");
      dropped = byKey(model.extract(inputs));
    }
    try (FeatureModel model = open("tiny-sd3-no-t5", options())) {
      absent = byKey(model.extract(inputs));
    }
    String key = "0|Block1|0.5|TEXT";
    assertThat(Sd3Fixtures.maxAbsDiff(withT5.get(key), dropped.get(key))).isGreaterThan(1e-3f);
    for (String k : dropped.keySet()) {
      assertThat(dropped.get(k)).as(k).isEqualTo(absent.get(k));
    }
  }

  @Test
  void badRequestsAreRefusedClearly() throws Exception {
    try (FeatureModel model = open("tiny-sd3", options())) {
      ImageInput odd = new ImageInput("x", "cat", input(0, List.of(0.5)).image(), List.of(0.5), List.of(),
          List.of(Conditioning.NONE), 1, 72, LatentMode.MEAN);
      assertThatThrownBy(() -> model.extract(List.of(odd))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("resolution 72 is not a positive multiple of 16");
    }
    assertThatThrownBy(() -> open("tiny-sd3", options().withTaps("Block7")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown tap 'Block7'")
        .hasMessageContaining("Block0..Block2");
  }
}
