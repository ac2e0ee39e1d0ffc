package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.diffusion.text.ClipTokenizer;
import io.alignstream.extractor.diffusion.vae.Posterior;
import io.alignstream.extractor.diffusion.vae.VaeEncoder;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Placement;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java port against diffusers/transformers on the shared tiny SD-2 pipeline, loaded through
 * the same {@link PipelineFolder} path as a real checkpoint. Every expected number comes from
 * tiny-sd2-reference.safetensors; tolerance 1e-4 absolute (fixtures README).
 */
class TinySd2ParityTest {

  private static final float TOL = 1e-4f;

  static SafetensorsFile ref;
  static JsonNode sidecar;
  static PipelineFolder pipeline;
  static NDManager manager;

  @BeforeAll
  static void open() {
    ref = Fixtures.reference();
    sidecar = Fixtures.sidecar();
    pipeline = PipelineFolder.open(Fixtures.tinySd2());
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    if (manager != null) {
      manager.close();
      ref.close();
    }
  }

  private static List<String> prompts() {
    List<String> prompts = new ArrayList<>();
    sidecar.get("prompts").forEach(p -> prompts.add(p.asText()));
    return prompts;
  }

  private static void assertMatches(String tensor, NDArray actual) {
    assertThat(actual.getShape().getShape()).as(tensor + " shape").containsExactly(ref.info(tensor).dims());
    float err = Fixtures.maxAbsDiff(actual.toFloatArray(), ref.floats(tensor));
    System.out.printf("parity %-28s max|diff| = %.3g%n", tensor, err);
    assertThat(err).as(tensor + " max abs error").isLessThanOrEqualTo(TOL);
  }

  private static long[][] tokenize() {
    ClipTokenizer tokenizer = ClipTokenizer.load(pipeline.component("tokenizer", "CLIPTokenizer"));
    List<String> prompts = prompts();
    long[][] ids = new long[prompts.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenizer.encode(prompts.get(i));
    }
    return ids;
  }

  @Test
  void tokenizerReproducesInputIdsExactly() {
    long[][] ids = tokenize();
    long[] expected = ref.longs("text.input_ids");
    assertThat(ids).hasNumberOfRows((int) ref.info("text.input_ids").dims()[0]);
    for (int p = 0; p < ids.length; p++) {
      long[] row = java.util.Arrays.copyOfRange(expected, p * 77, (p + 1) * 77);
      assertThat(ids[p]).as("prompt '%s'", prompts().get(p)).containsExactly(row);
    }
  }

  @Test
  void textEncoderLastHiddenState() {
    try (ClipTextEncoder encoder = ClipTextEncoder.load(pipeline, Placement.cpu());
        NDManager scope = manager.newSubManager()) {
      NDArray out = encoder.encode(ClipTextEncoder.ids(scope, tokenize()));
      assertMatches("text.last_hidden_state", out);
    }
  }

  @Test
  void schedulerAlphasCumprod() {
    NoiseSchedule schedule = NoiseSchedule.fromConfig(pipeline.component("scheduler"));
    float[] expected = ref.floats("scheduler.alphas_cumprod");
    float err = Fixtures.maxAbsDiff(schedule.alphasCumprod(), expected);
    float betaErr = Fixtures.maxAbsDiff(schedule.betas(), ref.floats("scheduler.betas"));
    System.out.printf("parity scheduler.alphas_cumprod max|diff| = %.3g (betas %.3g)%n", err, betaErr);
    assertThat(err).isLessThanOrEqualTo(TOL);
    for (JsonNode t : sidecar.get("timesteps")) {
      assertThat(schedule.alphaCumprod(t.get("t").asInt()))
          .isEqualTo(ref.floats(t.get("prefix").asText() + ".alpha_cumprod")[0]);
    }
  }

  private static NDArray fixturePngs(NDManager scope) throws Exception {
    List<BufferedImage> images = new ArrayList<>();
    for (JsonNode f : sidecar.get("image_files")) {
      images.add(ImageIO.read(Fixtures.dir().resolve(f.asText()).toFile()));
    }
    return ImagePreprocessor.batch(scope, images, 64);
  }

  @Test
  void imagePixelsFromPngs() throws Exception {
    try (NDManager scope = manager.newSubManager()) {
      assertMatches("image.pixels", fixturePngs(scope));
    }
  }

  @ParameterizedTest(name = "kernels {0}")
  @ValueSource(strings = {"fused", "explicit", "fused,channels_last"})
  void vaePosteriorLatentsAndNoisyLatents(String kernels) throws Exception {
    try (VaeEncoder loaded = VaeEncoder.load(pipeline, Placement.cpu()); NDManager scope = manager.newSubManager()) {
      VaeEncoder vae = loaded.using(Kernels.parse(kernels));
      Posterior posterior = vae.encode(fixturePngs(scope));
      assertMatches("vae.moments", posterior.moments());
      assertMatches("vae.mean", posterior.mean());
      assertMatches("vae.logvar", posterior.logvar());
      assertMatches("vae.std", posterior.std());
      NDArray latents = vae.latents(posterior, null);
      assertMatches("vae.latents", latents);

      NoiseSchedule schedule = NoiseSchedule.fromConfig(pipeline.component("scheduler"));
      NDArray noise = scope.create(ref.floats("noise"), new Shape(ref.info("noise").dims()));
      for (JsonNode t : sidecar.get("timesteps")) {
        int step = t.get("t").asInt();
        int[] perImage = new int[(int) latents.getShape().get(0)];
        java.util.Arrays.fill(perImage, step);
        assertMatches(t.get("prefix").asText() + ".noisy_latents", schedule.addNoise(latents, noise, perImage));
      }
    }
  }

  @Test
  void sampledLatentsUseStdAndNoise() {
    try (VaeEncoder vae = VaeEncoder.load(pipeline, Placement.cpu()); NDManager scope = manager.newSubManager()) {
      NDArray pixels = scope.create(ref.floats("image.pixels"), new Shape(ref.info("image.pixels").dims()));
      Posterior posterior = vae.encode(pixels);
      NDArray eps = scope.create(ref.floats("noise"), new Shape(ref.info("noise").dims()));
      // latents = scaling_factor * (mean + std * eps), from the fixture's own mean, std and noise
      float[] mean = ref.floats("vae.mean");
      float[] std = ref.floats("vae.std");
      float[] noise = ref.floats("noise");
      float scale = (float) sidecar.get("scaling_factor").asDouble();
      float[] expected = new float[mean.length];
      for (int i = 0; i < mean.length; i++) {
        expected[i] = scale * (mean[i] + std[i] * noise[i]);
      }
      assertThat(Fixtures.maxAbsDiff(vae.latents(posterior, eps).toFloatArray(), expected)).isLessThanOrEqualTo(TOL);
    }
  }

  @Test
  void noiseLevelsMapToTimestepsAsDesignSays() {
    NoiseSchedule schedule = NoiseSchedule.fromConfig(pipeline.component("scheduler"));
    // docs/method.md: 1% -> 1, 5% -> 41, 20% -> 191, 90% -> 891, clamped to [0, 999]
    assertThat(schedule.timestepFor(0.01)).isEqualTo(1);
    assertThat(schedule.timestepFor(0.05)).isEqualTo(41);
    assertThat(schedule.timestepFor(0.20)).isEqualTo(191);
    assertThat(schedule.timestepFor(0.90)).isEqualTo(891);
    assertThat(schedule.timestepFor(0.0)).isEqualTo(0);
    assertThat(schedule.timestepFor(1.0)).isEqualTo(991);
    // Python: int(100 * 0.29) == 28 because 100 * 0.29 == 28.999999999999996
    assertThat(schedule.timestepFor(0.29)).isEqualTo(10 * 28 - 9);
  }

  @Test
  void forwardsLeaveNothingInTheWeightStores() throws Exception {
    try (VaeEncoder vae = VaeEncoder.load(pipeline, Placement.cpu());
        ClipTextEncoder text = ClipTextEncoder.load(pipeline, Placement.cpu())) {
      int vaeArrays = vae.weights().manager().getManagedArrays().size();
      int textArrays = text.weights().manager().getManagedArrays().size();
      try (NDManager scope = manager.newSubManager()) {
        vae.encode(fixturePngs(scope));
        text.encode(ClipTextEncoder.ids(scope, tokenize()));
        assertThat(scope.getManagedArrays()).hasSizeLessThan(16);
      }
      assertThat(vae.weights().manager().getManagedArrays()).hasSize(vaeArrays);
      assertThat(text.weights().manager().getManagedArrays()).hasSize(textArrays);
      assertThat(vae.weights().loadedNames()).allMatch(n -> n.startsWith("encoder.") || n.startsWith("quant_conv."));
    }
  }

}
