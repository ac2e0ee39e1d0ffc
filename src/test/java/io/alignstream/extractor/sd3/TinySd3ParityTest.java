package io.alignstream.extractor.sd3;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.extractor.diffusion.ImagePreprocessor;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.unet.UNetOutput;
import io.alignstream.extractor.diffusion.vae.Posterior;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java SD3 port against diffusers 0.30.3 on the tiny SD3 pipelines of src/test/resources/sd3,
 * with and without T5, loaded through the same {@link PipelineFolder} path as a real checkpoint.
 * Every expected number comes from the reference tensors; tolerance 1e-4 absolute.
 */
class TinySd3ParityTest {

  private static final float TOL = 1e-4f;

  private static void assertMatches(SafetensorsFile ref, String tensor, NDArray actual) {
    assertThat(actual.getShape().getShape()).as(tensor + " shape").containsExactly(ref.info(tensor).dims());
    float err = Sd3Fixtures.maxAbsDiff(actual.toFloatArray(), ref.floats(tensor));
    System.out.printf("sd3 parity %-52s max|diff| = %.3g%n", tensor, err);
    assertThat(err).as(tensor + " max abs error").isLessThanOrEqualTo(TOL);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tiny-sd3", "tiny-sd3-no-t5"})
  void tokenizersReproduceInputIds(String name) {
    try (SafetensorsFile ref = Sd3Fixtures.reference(name);
        StableDiffusion3 sd3 = StableDiffusion3.open(PipelineFolder.open(Sd3Fixtures.pipeline(name)), Placement.cpu(),
            true)) {
      for (String key : List.of("clip_l", "clip_g", "t5")) {
        if (!ref.contains("text." + key + ".input_ids")) {
          assertThat(key).isEqualTo("t5");
          assertThat(sd3.hasT5()).isFalse();
          continue;
        }
        long[] expected = ref.longs("text." + key + ".input_ids");
        int length = (int) ref.info("text." + key + ".input_ids").dims()[1];
        for (int p = 0; p < Sd3Fixtures.PROMPTS.length; p++) {
          String prompt = Sd3Fixtures.PROMPTS[p];
          long[] ids = switch (key) {
            case "clip_l" -> sd3.text().clipL().tokenizer().encode(prompt);
            case "clip_g" -> sd3.text().clipG().tokenizer().encode(prompt);
            default -> sd3.text().t5().tokenizer().encode(prompt);
          };
          assertThat(ids).as(key + " '" + prompt + "'").containsExactly(
              Arrays.copyOfRange(expected, p * length, (p + 1) * length));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tiny-sd3", "tiny-sd3-no-t5"})
  void textEncodersAndPromptEmbeddings(String name) {
    try (SafetensorsFile ref = Sd3Fixtures.reference(name);
        StableDiffusion3 sd3 = StableDiffusion3.open(PipelineFolder.open(Sd3Fixtures.pipeline(name)), Placement.cpu(),
            true);
        NDManager m = NDManager.newBaseManager()) {
      Sd3TextEncoders.Embedding e = sd3.text().encode(List.of(Sd3Fixtures.PROMPTS), m);
      assertMatches(ref, "prompt_embeds", e.context());
      assertMatches(ref, "pooled_prompt_embeds", e.pooled());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"tiny-sd3, fused", "tiny-sd3, explicit", "tiny-sd3-no-t5, fused"})
  void vaeSchedulerAndEveryTransformerTap(String name, String kernels) throws Exception {
    JsonNode side = Sd3Fixtures.sidecar(name);
    try (SafetensorsFile ref = Sd3Fixtures.reference(name);
        StableDiffusion3 sd3 = StableDiffusion3.open(PipelineFolder.open(Sd3Fixtures.pipeline(name)), Placement.cpu(),
            true);
        NDManager m = NDManager.newBaseManager()) {
      List<BufferedImage> images = new ArrayList<>();
      for (JsonNode f : side.get("image_files")) {
        images.add(ImageIO.read(Sd3Fixtures.dir().resolve("images").resolve(f.asText()).toFile()));
      }
      NDArray pixels = ImagePreprocessor.batch(m, images, side.get("resolution").asInt());
      assertMatches(ref, "image.pixels", pixels);
      Posterior posterior = sd3.vae().using(Kernels.parse(kernels)).encode(pixels);
      assertMatches(ref, "vae.mean", posterior.mean());
      assertMatches(ref, "vae.std", posterior.std());
      NDArray latents = sd3.vae().latents(posterior, null);
      assertMatches(ref, "vae.latents", latents);

      float[] sigmas = sd3.schedule().sigmas();
      assertThat(sigmas).containsExactly(ref.floats("scheduler.sigmas"));
      NDArray noise = Sd3Fixtures.tensor(m, ref, "noise");
      Sd3Transformer transformer = sd3.transformer().using(Kernels.parse(kernels));
      for (JsonNode level : side.get("levels")) {
        String prefix = level.get("prefix").asText();
        double s = level.get("noise_level").asDouble();
        assertThat(sd3.schedule().startIndex(s)).as("start index of " + s).isEqualTo(level.get("begin_index").asInt());
        float sigma = sd3.schedule().sigmaFor(s);
        assertThat(sigma).isEqualTo((float) level.get("sigma").asDouble());
        float t = sd3.schedule().timestepOf(sigma);
        assertThat(t).isEqualTo((float) level.get("timestep").asDouble());
        assertMatches(ref, prefix + ".noisy_latents",
            FlowMatchSchedule.scaleNoise(latents, noise, new float[] {sigma, sigma}));

        NDArray x = Sd3Fixtures.perPair(m, ref, prefix + ".noisy_latents");
        NDArray context = Sd3Fixtures.perPrompt(m, ref, "prompt_embeds");
        NDArray pooled = Sd3Fixtures.perPrompt(m, ref, "pooled_prompt_embeds");
        List<String> mapped = new ArrayList<>();
        for (String path : transformer.config().modulePaths()) {
          if (ref.contains("transformer." + prefix + "." + path)) {
            mapped.add(path);
          }
        }
        UNetOutput full = transformer.forward(x, new float[] {t}, context, pooled, mapped, Pooling.NONE);
        for (String path : mapped) {
          NDArray got = m.create(full.get(path).values(), new ai.djl.ndarray.types.Shape(full.get(path).shape()));
          assertMatches(ref, "transformer." + prefix + "." + path, got);
        }
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < transformer.config().layers(); i++) {
          blocks.add("transformer_blocks." + i);
          if (!transformer.config().contextPreOnly(i)) {
            blocks.add("transformer_blocks." + i + ".context");
          }
        }
        UNetOutput means = transformer.forward(x, new float[] {t}, context, pooled, blocks, Pooling.MEAN);
        for (String path : blocks) {
          NDArray got = m.create(means.get(path).values(), new ai.djl.ndarray.types.Shape(means.get(path).shape()));
          assertMatches(ref, "transformer." + prefix + "." + path + ".mean", got);
        }
      }
    }
  }

  /**
   * The one-step clean estimate x - sigma v bit for bit equal to diffusers' Euler step from sigma
   * to 0 on the same inputs (the fixture's noisy latents and transformer output, prompts "" and
   * "a photo of a cat"; reconstruction-reference.safetensors, src/test/python/make_sd3_reconstruction.py).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tiny-sd3", "tiny-sd3-no-t5"})
  void cleanEstimateIsDiffusersEulerStepToSigmaZero(String name) {
    JsonNode side = Sd3Fixtures.sidecar(name);
    try (SafetensorsFile ref = Sd3Fixtures.reference(name);
        SafetensorsFile expected = SafetensorsFile.open(Sd3Fixtures.dir().resolve("reconstruction-reference.safetensors"));
        NDManager m = NDManager.newBaseManager()) {
      for (JsonNode level : side.get("levels")) {
        String prefix = level.get("prefix").asText();
        if (!expected.contains(name + "." + prefix + ".estimate")) {
          continue; // the reference covers 0.1 and 0.9
        }
        float sigma = (float) level.get("sigma").asDouble();
        float[] noisy = ref.floats(prefix + ".noisy_latents"); // [image, 16, 8, 8]
        float[] out = ref.floats("transformer." + prefix + ".out"); // [image x 3 prompts, 16, 8, 8]
        int per = noisy.length / Sd3Fixtures.IMAGES;
        float[] x = new float[Sd3Fixtures.IMAGES * 2 * per];
        float[] v = new float[x.length];
        for (int i = 0; i < Sd3Fixtures.IMAGES; i++) {
          for (int p = 0; p < 2; p++) { // prompts "" and "a photo of a cat"
            System.arraycopy(noisy, i * per, x, (i * 2 + p) * per, per);
            System.arraycopy(out, (i * Sd3Fixtures.PROMPTS.length + p) * per, v, (i * 2 + p) * per, per);
          }
        }
        ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(Sd3Fixtures.IMAGES * 2, 16, 8, 8);
        float[] sigmas = new float[Sd3Fixtures.IMAGES * 2];
        Arrays.fill(sigmas, sigma);
        float[] z0 = FlowMatchSchedule.estimateClean(m.create(x, shape), m.create(v, shape), sigmas).toFloatArray();
        assertThat(z0).as(name + " " + prefix).containsExactly(expected.floats(name + "." + prefix + ".estimate"));
      }
    }
  }
}
