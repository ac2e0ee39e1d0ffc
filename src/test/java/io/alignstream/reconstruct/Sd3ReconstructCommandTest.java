package io.alignstream.reconstruct;

import static io.alignstream.reconstruct.ReconstructCommandTest.assertSamePixels;
import static io.alignstream.reconstruct.ReconstructCommandTest.maxAbsDiff;
import static io.alignstream.reconstruct.ReconstructCommandTest.slice;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.CommandRun;
import io.alignstream.extractor.diffusion.EngineThreads;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.vae.VaeDecoder;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alignstream reconstruct} on the tiny SD3 fixture (src/test/resources/sd3) with the
 * diffusers reference's inputs (its two images, the posterior mean, torch's noise, noise levels 0.1
 * and 0.9, concept "cat" for both): the clean and noisy latents it writes are the reference's, the
 * one-step estimates are diffusers' Euler step from sigma to 0 of the transformer's velocity
 * (reconstruction-reference.safetensors, made by src/test/python/make_sd3_reconstruction.py), with
 * T5 and with {@code --no-t5} (against the fixture saved without T5, which shares every other
 * weight), the Java decode of those latents is diffusers' {@code vae.decode}, every PNG is that
 * decode, and the manifest and the report carry sigma where a UNet row carries alpha_cumprod.
 */
class Sd3ReconstructCommandTest {

  private static final String[] PREFIXES = {"s010", "s090"};
  private static final int PER = 16 * 8 * 8;
  private static final float TOLERANCE = 1e-4f;

  static Path sd3;
  static Path withT5;
  static Path noT5;
  static CommandRun runWithT5;
  static CommandRun runNoT5;
  static int threads;

  @BeforeAll
  static void reconstruct(@TempDir Path tmp) throws Exception {
    sd3 = Path.of(Sd3ReconstructCommandTest.class.getResource("/sd3").toURI());
    threads = EngineThreads.set(1); // restored below
    withT5 = tmp.resolve("with-t5");
    noT5 = tmp.resolve("no-t5");
    runWithT5 = runOn(withT5);
    runNoT5 = runOn(noT5, "--no-t5");
  }

  private static CommandRun runOn(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("reconstruct", "--model", sd3.resolve("tiny-sd3").toString(),
        "--image", sd3.resolve("images/input_image_0.png").toString(),
        "--image", sd3.resolve("images/input_image_1.png").toString(),
        "--concept", "cat", "--concept", "cat", "--noise-levels", "0.1,0.9", "--latent", "mean",
        "--noise", sd3.resolve("tiny-sd3-reference.safetensors") + ":noise", "--out", out.toString()));
    args.addAll(List.of(more));
    return CommandRun.run(args.toArray(String[]::new));
  }

  @AfterAll
  static void restoreEngineThreads() {
    if (threads > 0) {
      EngineThreads.set(threads);
    }
  }

  @Test
  void theManifestCarriesSigmaAndTheT5Choice() throws Exception {
    assertThat(runWithT5.code()).as(runWithT5.err()).isZero();
    assertThat(runWithT5.out()).contains("2 images x 2 noise levels").contains("prediction type velocity");
    JsonNode levels = new ObjectMapper().readTree(sd3.resolve("tiny-sd3-reference.json").toFile()).get("levels");
    for (Path out : new Path[] {withT5, noT5}) {
      ReconstructionManifest m = ReconstructionManifest.read(out);
      assertThat(m.model().scheduler()).isEqualTo("FlowMatchEulerDiscreteScheduler");
      assertThat(m.model().predictionType()).isEqualTo("velocity");
      assertThat(m.model().t5()).isEqualTo(out == withT5);
      for (ReconstructionManifest.Image image : m.images()) {
        // s = 0.1 and 0.9 start img2img at indices 90 and 10: the reference's sigmas, t = 1000 sigma rounded
        assertThat(image.rows()).extracting(ReconstructionManifest.Row::sigma).containsExactly(
            (double) (float) levels.get(0).get("sigma").asDouble(), (double) (float) levels.get(2).get("sigma").asDouble());
        assertThat(image.rows()).extracting(ReconstructionManifest.Row::timestep).containsExactly(237, 964);
        assertThat(image.rows()).extracting(ReconstructionManifest.Row::alphaCumprod).containsOnlyNulls();
        assertThat(image.rows().get(1).noiseLevels()).containsExactly(0.9);
        assertThat(image.rows().get(0).estimates()).extracting(ReconstructionManifest.Estimate::prompt)
            .containsExactly("", "a photo of a cat");
      }
    }
    String json = Files.readString(withT5.resolve(ReconstructionManifest.FILE));
    assertThat(json).contains("\"sigma\"").doesNotContain("alpha_cumprod");
  }

  @Test
  void latentsAreDiffusersNoisyLatentsAndOneStepEstimates() throws Exception {
    assertThat(runWithT5.code()).as(runWithT5.err()).isZero();
    assertThat(runNoT5.code()).as(runNoT5.err()).isZero();
    try (SafetensorsFile expected = SafetensorsFile.open(sd3.resolve("reconstruction-reference.safetensors"))) {
      for (String fixture : new String[] {"tiny-sd3", "tiny-sd3-no-t5"}) {
        Path out = fixture.equals("tiny-sd3") ? withT5 : noT5;
        try (SafetensorsFile ours = SafetensorsFile.open(out.resolve(ReconstructionFolder.LATENTS));
            SafetensorsFile reference = SafetensorsFile.open(sd3.resolve(fixture + "-reference.safetensors"))) {
          assertThat(ours.info("estimate").dims()).containsExactly(2, 2, 2, 16, 8, 8);
          assertThat(maxAbsDiff(ours.floats("clean"), reference.floats("vae.latents"))).isLessThanOrEqualTo(TOLERANCE);
          for (int r = 0; r < PREFIXES.length; r++) {
            String prefix = PREFIXES[r];
            float[] noisy = reference.floats(prefix + ".noisy_latents"); // [image, 16, 8, 8]
            float[] estimate = expected.floats(fixture + "." + prefix + ".estimate"); // [image, conditioning, 16, 8, 8]
            for (int i = 0; i < 2; i++) {
              assertThat(maxAbsDiff(slice(ours.floats("noisy"), i * 2 + r, PER), slice(noisy, i, PER)))
                  .as("x of image %d at %s", i, prefix).isLessThanOrEqualTo(TOLERANCE);
              for (int c = 0; c < 2; c++) {
                float err = maxAbsDiff(slice(ours.floats("estimate"), (i * 2 + r) * 2 + c, PER),
                    slice(estimate, i * 2 + c, PER));
                System.out.printf("sd3 reconstruct %s z0 image %d %s conditioning %d: max|diff| = %.3g%n", fixture, i,
                    prefix, c, err);
                assertThat(err).as("%s z0 of image %d at %s, conditioning %d", fixture, i, prefix, c)
                    .isLessThanOrEqualTo(TOLERANCE);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void decodesAreDiffusersAndEveryPngIsTheDecodeOfItsLatent() throws Exception {
    assertThat(runWithT5.code()).as(runWithT5.err()).isZero();
    ReconstructionManifest m = ReconstructionManifest.read(withT5);
    try (SafetensorsFile latents = SafetensorsFile.open(withT5.resolve(ReconstructionFolder.LATENTS));
        SafetensorsFile expected = SafetensorsFile.open(sd3.resolve("reconstruction-reference.safetensors"));
        VaeDecoder decoder = VaeDecoder.load(PipelineFolder.open(sd3.resolve("tiny-sd3")), Placement.cpu());
        NDManager manager = NDManager.newBaseManager()) {
      float[][] noisy = Ops.rows(decoder.decodeLatents(manager.create(latents.floats("noisy"), new Shape(4, 16, 8, 8))));
      float[][] estimates = Ops.rows(decoder.decodeLatents(manager.create(latents.floats("estimate"),
          new Shape(8, 16, 8, 8))));
      int pixels = 3 * 64 * 64;
      for (int r = 0; r < PREFIXES.length; r++) {
        // the reference decodes image 0's latents
        String prefix = "tiny-sd3." + PREFIXES[r];
        float err = maxAbsDiff(noisy[r], expected.floats(prefix + ".noisy.decoded"));
        System.out.printf("sd3 reconstruct decode of x at %s: max|diff| = %.3g%n", PREFIXES[r], err);
        assertThat(err).as("decoded x at %s", PREFIXES[r]).isLessThanOrEqualTo(TOLERANCE);
        for (int c = 0; c < 2; c++) {
          err = maxAbsDiff(estimates[r * 2 + c], slice(expected.floats(prefix + ".estimate.decoded"), c, pixels));
          System.out.printf("sd3 reconstruct decode of z0 at %s conditioning %d: max|diff| = %.3g%n", PREFIXES[r], c,
              err);
          assertThat(err).as("decoded z0 at %s, conditioning %d", PREFIXES[r], c).isLessThanOrEqualTo(TOLERANCE);
        }
      }
      for (int i = 0; i < 2; i++) {
        ReconstructionManifest.Image image = m.images().get(i);
        for (int r = 0; r < 2; r++) {
          ReconstructionManifest.Row row = image.rows().get(r);
          assertSamePixels(withT5.resolve(row.noisy()), ImagePostprocessor.image(noisy[i * 2 + r], 64));
          for (int c = 0; c < 2; c++) {
            assertSamePixels(withT5.resolve(row.estimates().get(c).image()),
                ImagePostprocessor.image(estimates[(i * 2 + r) * 2 + c], 64));
          }
        }
      }
    }
  }

  @Test
  void theReportLabelsSd3RowsWithSigma(@TempDir Path tmp) throws Exception {
    assertThat(runNoT5.code()).as(runNoT5.err()).isZero();
    Path json = Files.writeString(tmp.resolve("empty.json"), "{}");
    CommandRun report = CommandRun.run("report", "--from-json", json.toString(), "--reconstruction", noT5.toString(),
        "--no-png", "--out", tmp.resolve("report").toString());
    assertThat(report.code()).as(report.err()).isZero();
    String svg = Files.readString(tmp.resolve("report/figures/reconstruction-tiny-sd3.svg"));
    assertThat(svg).contains("\u03c3 = 0.237").contains("\u03c3 = 0.964").contains("t = 964")
        .contains("no T5").doesNotContain("\u1fb1 =");
    assertThat(svg.split("class=\"reconstruction\"", -1)).hasSize(1 + 2 * 2 * 4);
  }

  @Test
  void theBuiltInTinySd3Reconstructs(@TempDir Path tmp) {
    CommandRun run = CommandRun.run("reconstruct", "--model", "tiny-sd3", "--model-cache", tmp.resolve("models")
        .toString(), "--image", sd3.resolve("images/input_image_0.png").toString(), "--noise-levels", "0.5",
        "--out", tmp.resolve("out").toString());
    assertThat(run.code()).as(run.err()).isZero();
    ReconstructionManifest m = ReconstructionManifest.read(tmp.resolve("out"));
    assertThat(m.model().source()).isEqualTo("builtin:tiny-sd3?seed=0");
    // s = 0.5 starts at index 50 of the shift-3 schedule: sigma 0.747, t 747
    assertThat(m.images().get(0).rows()).extracting(ReconstructionManifest.Row::timestep).containsExactly(747);
    assertThat(tmp.resolve("out").resolve(m.images().get(0).rows().get(0).noisy())).isRegularFile();
  }
}
