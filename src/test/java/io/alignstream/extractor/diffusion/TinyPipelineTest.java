package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ParameterLayout;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.text.ClipTextConfig;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.diffusion.text.ClipTextParameters;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.diffusion.vae.Posterior;
import io.alignstream.extractor.diffusion.vae.VaeConfig;
import io.alignstream.extractor.diffusion.vae.VaeEncoder;
import io.alignstream.extractor.diffusion.vae.VaeParameters;
import io.alignstream.extractor.nn.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyPipelineTest {

  @TempDir Path tmp;

  private static Map<String, byte[]> contents(Path dir) throws Exception {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return files;
  }

  @Test
  void sameSeedWritesIdenticalBytesOtherSeedOtherWeights() throws Exception {
    Map<String, byte[]> a = contents(TinyPipeline.write(tmp.resolve("a"), 42));
    Map<String, byte[]> b = contents(TinyPipeline.write(tmp.resolve("b"), 42));
    Map<String, byte[]> c = contents(TinyPipeline.write(tmp.resolve("c"), 43));
    assertThat(a.keySet()).containsExactlyInAnyOrder(
        "model_index.json", "scheduler/scheduler_config.json",
        "text_encoder/config.json", "text_encoder/model.safetensors",
        "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json",
        "tokenizer/vocab.json",
        "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
        "vae/config.json", "vae/diffusion_pytorch_model.safetensors");
    assertThat(b.keySet()).isEqualTo(a.keySet());
    a.forEach((name, bytes) -> assertThat(b.get(name)).as(name).isEqualTo(bytes));
    assertThat(c.get("unet/diffusion_pytorch_model.safetensors"))
        .isNotEqualTo(a.get("unet/diffusion_pytorch_model.safetensors"));
    assertThat(c.get("tokenizer/vocab.json")).isEqualTo(a.get("tokenizer/vocab.json"));
  }

  @Test
  void loadsThroughThePipelineLoaderAndRunsVaeAndTextEncoder() {
    PipelineFolder p = PipelineFolder.open(TinyPipeline.write(tmp.resolve("tiny")));
    ClipTokenizer tokenizer = ClipTokenizer.load(p.component("tokenizer", "CLIPTokenizer"));
    // The word list teaches whole-word tokens for the prompt template and its concepts.
    assertThat(tokenizer.tokens("a photo of a cat")).containsExactly("a</w>", "photo</w>", "of</w>", "a</w>", "cat</w>");
    assertThat(tokenizer.padId()).isZero(); // "!" is the first byte symbol, as in CLIP
    long[] ids = tokenizer.encode("a photo of a cat");
    assertThat(ids).hasSize(77);
    assertThat(ids[0]).isEqualTo(tokenizer.vocabSize() - 2);
    assertThat(ids[6]).isEqualTo(tokenizer.vocabSize() - 1);
    assertThat(ids[7]).isZero();

    try (ClipTextEncoder text = ClipTextEncoder.load(p, Placement.cpu());
        VaeEncoder vae = VaeEncoder.load(p, Placement.cpu());
        NDManager m = NDManager.newBaseManager()) {
      assertThat(text.config().vocabSize()).isEqualTo(tokenizer.vocabSize());
      NDArray hidden = text.encode(ClipTextEncoder.ids(m, new long[][] {tokenizer.encode(""), ids}));
      assertThat(hidden.getShape()).isEqualTo(new Shape(2, 77, 32));
      assertFinite(hidden.toFloatArray());

      float[] image = new float[2 * 3 * 64 * 64];
      SplittableRandom rng = new SplittableRandom(1);
      for (int i = 0; i < image.length; i++) {
        image[i] = (float) (rng.nextDouble() * 2 - 1);
      }
      Posterior post = vae.encode(m.create(image, new Shape(2, 3, 64, 64)));
      assertThat(post.moments().getShape()).isEqualTo(new Shape(2, 8, 16, 16));
      assertFinite(post.moments().toFloatArray());
    }
    try (WeightStore unet = p.component("unet", "UNet2DConditionModel").loadWeights(Placement.cpu())) {
      assertThat(unet.loadedNames()).hasSameSizeAs(unet.names());
    }
    assertThat(NoiseSchedule.fromConfig(p.component("scheduler")).trainTimesteps()).isEqualTo(1000);
  }

  private static void assertFinite(float[] values) {
    for (float v : values) {
      assertThat(Float.isFinite(v)).isTrue();
    }
  }

  /**
   * The VAE and text-encoder layouts must name and shape every parameter exactly as
   * diffusers/transformers store it (the UNet's: UNetConfigTest).
   */
  @Test
  void layoutsMatchTheFixtureCheckpointsNamesAndShapes() {
    PipelineFolder fixture = PipelineFolder.open(Fixtures.tinySd2());
    ComponentFolder vae = fixture.component("vae");
    assertThat(sortedShapes(VaeParameters.of(VaeConfig.parse(vae.configReader())).shapes()))
        .isEqualTo(sortedShapes(ParameterLayout.inHeaders(vae.weightFiles())));
    ComponentFolder text = fixture.component("text_encoder");
    assertThat(sortedShapes(ClipTextParameters.of(ClipTextConfig.parse(text.configReader())).shapes()))
        .isEqualTo(sortedShapes(ParameterLayout.inHeaders(text.weightFiles())));
  }

  /** The tiny pipeline's configs restate the fixture's shapes: its UNet and VAE hold exactly the fixture's tensors. */
  @Test
  void tinyUnetAndVaeHoldTheFixturesTensors() {
    PipelineFolder fixture = PipelineFolder.open(Fixtures.tinySd2());
    PipelineFolder tiny = PipelineFolder.open(TinyPipeline.write(tmp.resolve("tiny")));
    for (String component : List.of("unet", "vae")) {
      assertThat(sortedShapes(ParameterLayout.inHeaders(tiny.component(component).weightFiles()))).as(component)
          .isEqualTo(sortedShapes(ParameterLayout.inHeaders(fixture.component(component).weightFiles())));
    }
  }

  /** Name -> shape, sorted by name and comparable by value. */
  private static Map<String, List<Long>> sortedShapes(Map<String, long[]> shapes) {
    Map<String, List<Long>> sorted = new TreeMap<>();
    shapes.forEach((name, dims) -> sorted.put(name, boxed(dims)));
    return sorted;
  }

  private static List<Long> boxed(long[] dims) {
    return java.util.Arrays.stream(dims).boxed().toList();
  }
}
