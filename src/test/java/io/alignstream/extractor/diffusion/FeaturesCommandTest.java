package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.CommandRun;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.unet.Taps;
import io.alignstream.extractor.diffusion.unet.UNetConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code alignstream features} on the shared tiny-sd2 pipeline against the diffusers reference:
 * every tensor it writes (VAE latents, text states, noisy latents, every UNet module map, or
 * every spatial mean) must match tiny-sd2-reference.safetensors within 1e-4 (fixtures README).
 */
class FeaturesCommandTest {

  private static final float TOLERANCE = 1e-4f;

  static int threads;

  @BeforeAll
  static void oneEngineThread() {
    threads = EngineThreads.set(1);
  }

  @AfterAll
  static void restoreEngineThreads() {
    EngineThreads.set(threads);
  }

  /** The command's result: exit code, what it printed to stderr. */
  private static CommandRun features(String... args) {
    List<String> all = new ArrayList<>(List.of("features"));
    all.addAll(List.of(args));
    return CommandRun.run(all.toArray(String[]::new));
  }

  private static List<String> referenceArgs(Path fixtures, Path out, int t, String pool) {
    return List.of("--model", fixtures.resolve("tiny-sd2").toString(),
        "--image", fixtures.resolve("input_image_0.png").toString(),
        "--image", fixtures.resolve("input_image_1.png").toString(),
        "--prompt", "", "--prompt", "a photo of a cat", "--prompt", "a photo of an aardvark",
        "--timestep", String.valueOf(t),
        "--noise", fixtures.resolve("tiny-sd2-reference.safetensors") + ":noise",
        "--latent", "mean", "--taps", "all", "--pool", pool, "--out", out.toString());
  }

  /** Our tensor name -> the reference's: block outputs are down0.., mid, up0.. there. */
  private static String referenceName(String ours, String t) {
    if (ours.equals("noisy_latents")) {
      return t + ".noisy_latents";
    }
    if (!ours.startsWith("unet.")) {
      return ours;
    }
    String rest = ours.substring("unet.".length());
    String suffix = "";
    if (rest.endsWith(".spatial_mean")) {
      suffix = ".spatial_mean";
      rest = rest.substring(0, rest.length() - suffix.length());
    }
    String name = rest.matches("down_blocks\\.\\d+") ? "down" + rest.substring("down_blocks.".length())
        : rest.matches("up_blocks\\.\\d+") ? "up" + rest.substring("up_blocks.".length())
        : rest.equals("mid_block") ? "mid"
        : rest;
    return "unet." + t + "." + name + suffix;
  }

  /** Compares every tensor of our file with the reference; returns the errors by name. */
  private static Map<String, Float> compareAll(SafetensorsFile ours, SafetensorsFile ref, String t) {
    Map<String, Float> errors = new LinkedHashMap<>();
    for (String name : ours.names()) {
      String expected = referenceName(name, t);
      assertThat(ref.contains(expected)).as("reference has %s for %s", expected, name).isTrue();
      assertThat(ours.info(name).dims()).as(name).containsExactly(ref.info(expected).dims());
      errors.put(name, Fixtures.maxAbsDiff(ours.floats(name), ref.floats(expected)));
    }
    return errors;
  }

  @ParameterizedTest(name = "t={0}")
  @ValueSource(ints = {0, 500, 899})
  void everyWrittenMapMatchesDiffusers(int timestep, @TempDir Path tmp) throws Exception {
    Path fixtures = Fixtures.dir();
    Path out = tmp.resolve("features.safetensors");
    CommandRun run = features(referenceArgs(fixtures, out, timestep, "none").toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();

    String t = String.format("t%03d", timestep);
    try (SafetensorsFile ours = SafetensorsFile.open(out); SafetensorsFile ref = Fixtures.reference()) {
      UNetConfig config = UNetConfig.from(PipelineFolder.open(fixtures.resolve("tiny-sd2")).component("unet"));
      List<String> expectedNames = new ArrayList<>(List.of("vae.latents", "text.last_hidden_state", "noisy_latents"));
      Taps.all(config).forEach(tap -> expectedNames.add("unet." + tap.path()));
      assertThat(ours.names()).containsExactlyInAnyOrderElementsOf(expectedNames);

      Map<String, Float> errors = compareAll(ours, ref, t);
      float worst = errors.values().stream().max(Float::compare).orElseThrow();
      System.out.printf("features t=%d: %d tensors, worst max|java - diffusers| = %.2e%n", timestep, errors.size(),
          worst);
      assertThat(errors).allSatisfy((name, error) -> assertThat(error).as(name).isLessThanOrEqualTo(TOLERANCE));

      Map<String, String> meta = ours.metadata();
      assertThat(meta).containsEntry("timestep", String.valueOf(timestep)).containsEntry("latent", "mean")
          .containsEntry("seed", "0").containsEntry("resolution", "64").containsKeys("config_digest", "weights_digest");
      assertThat(new ObjectMapper().readValue(meta.get("prompts"), List.class))
          .containsExactly("", "a photo of a cat", "a photo of an aardvark");
      assertThat(meta.get("noise")).contains("tiny-sd2-reference.safetensors:noise");
    }
  }

  /**
   * The same tensors from the single-file LDM checkpoint with tiny-sd2's configs and tokenizer
   * (no weights): the file's names map onto the folder's tensors, so every output matches.
   */
  @Test
  void theSingleFileCheckpointWithPipelineConfigMatchesDiffusers(@TempDir Path tmp) throws Exception {
    Path fixtures = Fixtures.dir();
    Path out = tmp.resolve("single-file.safetensors");
    List<String> args = new ArrayList<>(referenceArgs(fixtures, out, 500, "none"));
    args.set(1, fixtures.resolve("tiny-sd2-ldm.safetensors").toString());
    args.addAll(List.of("--pipeline-config", SingleFileCheckpointTest.weightlessCopy(tmp).toString()));
    CommandRun run = features(args.toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();
    try (SafetensorsFile ours = SafetensorsFile.open(out); SafetensorsFile ref = Fixtures.reference()) {
      UNetConfig config = UNetConfig.from(PipelineFolder.open(fixtures.resolve("tiny-sd2")).component("unet"));
      assertThat(ours.names()).hasSize(3 + Taps.all(config).size()); // latents, text, noisy latents, every module
      Map<String, Float> errors = compareAll(ours, ref, "t500");
      assertThat(errors).allSatisfy((name, error) -> assertThat(error).as(name).isLessThanOrEqualTo(TOLERANCE));
      String origin = ours.metadata().get("model_origin");
      assertThat(new ObjectMapper().readTree(origin).get("fileSha256").asText())
          .isEqualTo(new ObjectMapper().readTree(fixtures.resolve("tiny-sd2-ldm.json").toFile()).get("sha256").asText());
    }
  }

  @Test
  void spatialMeansMatchDiffusers(@TempDir Path tmp) {
    Path fixtures = Fixtures.dir();
    Path out = tmp.resolve("means.safetensors");
    CommandRun run = features(referenceArgs(fixtures, out, 500, "mean").toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();
    try (SafetensorsFile ours = SafetensorsFile.open(out); SafetensorsFile ref = Fixtures.reference()) {
      List<String> unet = ours.names().stream().filter(n -> n.startsWith("unet.")).toList();
      assertThat(unet).isNotEmpty().allSatisfy(n -> assertThat(n).endsWith(".spatial_mean"));
      assertThat(ours.info("unet.down_blocks.1.resnets.1.spatial_mean").dims()).containsExactly(2, 3, 32);
      Map<String, Float> errors = compareAll(ours, ref, "t500");
      assertThat(errors).allSatisfy((name, error) -> assertThat(error).as(name).isLessThanOrEqualTo(TOLERANCE));
    }
  }

  @Test
  void rejectsBadInputsWithClearMessages(@TempDir Path tmp) {
    Path fixtures = Fixtures.dir();
    String pipeline = fixtures.resolve("tiny-sd2").toString();
    String image = fixtures.resolve("input_image_0.png").toString();
    String out = tmp.resolve("x.safetensors").toString();

    CommandRun unknownTap = features("--model", pipeline, "--image", image, "--timestep", "500", "--taps",
        "down_blocks.9.resnets.0", "--out", out);
    assertThat(unknownTap.code()).isEqualTo(2);
    assertThat(unknownTap.err()).startsWith("error: ");
    assertThat(unknownTap.err()).contains("unknown tap 'down_blocks.9.resnets.0'").contains("valid:");

    CommandRun missingImage = features("--model", pipeline, "--image", tmp.resolve("nope.png").toString(), "--timestep",
        "500", "--out", out);
    assertThat(missingImage.code()).isEqualTo(2);
    assertThat(missingImage.err()).startsWith("error: ");
    assertThat(missingImage.err()).contains("image not found").contains("nope.png");

    CommandRun unreadable = features("--model", pipeline, "--image",
        fixtures.resolve("tiny-sd2-reference.json").toString(), "--timestep", "500", "--out", out);
    assertThat(unreadable.code()).isEqualTo(2);
    assertThat(unreadable.err()).startsWith("error: ");
    assertThat(unreadable.err()).contains("tiny-sd2-reference.json").contains("is in no image format");

    // the reference's pixels [2, 3, 64, 64] are not noise for one image's [1, 4, 16, 16] latent
    CommandRun wrongNoise = features("--model", pipeline, "--image", image, "--timestep", "500", "--noise",
        fixtures.resolve("tiny-sd2-reference.safetensors") + ":image.pixels", "--out", out);
    assertThat(wrongNoise.code()).isEqualTo(2);
    assertThat(wrongNoise.err()).startsWith("error: ");
    assertThat(wrongNoise.err()).contains("has shape [2, 3, 64, 64]").contains("expected [1, 4, 16, 16]");

    CommandRun both = features("--model", pipeline, "--image", image, "--timestep", "500", "--noise-level", "0.5",
        "--out", out);
    assertThat(both.code()).isNotZero();
    assertThat(both.err()).contains("mutually exclusive");

    CommandRun neither = features("--model", pipeline, "--image", image, "--out", out);
    assertThat(neither.code()).isNotZero();
    assertThat(neither.err()).contains("--noise-level").contains("--timestep");
    assertThat(tmp.resolve("x.safetensors")).doesNotExist();
  }

  @Test
  void seededNoiseIsOneDrawPerSeedAndTheNoiseLevelMapsToItsTimestep(@TempDir Path tmp) {
    Path fixtures = Fixtures.dir();
    Path out = tmp.resolve("seeded.safetensors");
    CommandRun run = features("--model", fixtures.resolve("tiny-sd2").toString(), "--image",
        fixtures.resolve("input_image_1.png").toString(), "--noise-level", "0.2", "--seed", "42", "--latent", "mean",
        "--taps", "Mid", "--pool", "mean", "--out", out.toString());
    assertThat(run.code()).as(run.err()).isZero();
    try (SafetensorsFile ours = SafetensorsFile.open(out); SafetensorsFile ref = Fixtures.reference()) {
      // docs/method.md: 20% -> t = 191; x_t = sqrt(abar) z0 + sqrt(1 - abar) eps with eps the seed's diffusion draw
      assertThat(ours.metadata()).containsEntry("timestep", "191").containsEntry("noise_level", "0.2");
      float[] z0 = ours.floats("vae.latents");
      float[] expectedZ0 = java.util.Arrays.copyOfRange(ref.floats("vae.latents"), z0.length, 2 * z0.length);
      assertThat(Fixtures.maxAbsDiff(z0, expectedZ0)).isLessThanOrEqualTo(TOLERANCE);
      float[] eps = ImageNoise.draw(42, z0.length).diffusion();
      double abar = ref.floats("scheduler.alphas_cumprod")[191];
      float[] expected = new float[z0.length];
      for (int i = 0; i < z0.length; i++) {
        expected[i] = (float) (Math.sqrt(abar) * z0[i] + Math.sqrt(1 - abar) * eps[i]);
      }
      assertThat(Fixtures.maxAbsDiff(ours.floats("noisy_latents"), expected)).isLessThanOrEqualTo(1e-5f);
      assertThat(ours.info("unet.mid_block.spatial_mean").dims()).containsExactly(1, 1, 64);
    }
  }
}
