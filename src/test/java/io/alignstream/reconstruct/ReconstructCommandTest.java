package io.alignstream.reconstruct;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.CommandRun;
import io.alignstream.extractor.diffusion.EngineThreads;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.diffusion.vae.VaeDecoder;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alignstream reconstruct} on the shared tiny-sd2 pipeline with the diffusers reference's
 * inputs (its two images, the posterior mean, torch's noise, t = 0, 500, 899): the noisy latents
 * and one-step estimates it writes must be diffusers' (the fixture's noisy latents; the
 * reference's {@code pred_original_sample} of prompts "" and "a photo of a cat"), every PNG the
 * Java decode of the latents written beside it, and bad input one line on stderr with exit 2.
 */
class ReconstructCommandTest {

  private static final Path FIXTURES = Path.of("..", "shared", "fixtures");
  private static final int[] TIMESTEPS = {0, 500, 899};

  static Path out;
  static CommandRun run;
  static int threads;

  @BeforeAll
  static void reconstruct(@TempDir Path tmp) {
    assumeTrue(Files.isRegularFile(FIXTURES.resolve("tiny-sd2-reference.safetensors")),
        "skipped: diffusers reference fixtures not found at " + FIXTURES.toAbsolutePath().normalize());
    threads = EngineThreads.set(1); // restored below; --threads would set it for the rest of the test JVM
    out = tmp.resolve("figure4");
    run = CommandRun.run("reconstruct", "--model", FIXTURES.resolve("tiny-sd2").toString(),
        "--image", FIXTURES.resolve("input_image_0.png").toString(),
        "--image", FIXTURES.resolve("input_image_1.png").toString(),
        "--concept", "cat", "--concept", "cat", "--timesteps", "0,500,899", "--latent", "mean",
        "--noise", FIXTURES.resolve("tiny-sd2-reference.safetensors") + ":noise",
        "--out", out.toString());
  }

  @AfterAll
  static void restoreEngineThreads() {
    if (threads > 0) {
      EngineThreads.set(threads);
    }
  }

  @Test
  void writesEveryFileTheManifestNames() {
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("2 images x 3 noise levels").contains("prediction type epsilon");
    ReconstructionManifest m = ReconstructionManifest.read(out);
    assertThat(m.model().predictionType()).isEqualTo("epsilon");
    assertThat(m.model().scheduler()).isEqualTo("DDPMScheduler");
    assertThat(m.run().latent()).isEqualTo("mean");
    assertThat(m.run().noise()).startsWith("injected: ");
    assertThat(m.images()).extracting(ReconstructionManifest.Image::name).containsExactly("input_image_0",
        "input_image_1");
    for (ReconstructionManifest.Image image : m.images()) {
      assertThat(image.rows()).extracting(ReconstructionManifest.Row::timestep).containsExactly(0, 500, 899);
      assertThat(image.rows().get(1).noiseLevels()).containsExactly(0.5);
      for (ReconstructionManifest.Row row : image.rows()) {
        assertThat(row.estimates()).extracting(ReconstructionManifest.Estimate::prompt)
            .containsExactly("", "a photo of a cat");
      }
    }
    for (String file : pngs(m)) {
      assertThat(out.resolve(file)).as(file).isRegularFile();
    }
  }

  @Test
  void latentsAreDiffusersNoisyLatentsAndOneStepEstimates() throws Exception {
    assertThat(run.code()).as(run.err()).isZero();
    try (SafetensorsFile ours = SafetensorsFile.open(out.resolve(ReconstructionFolder.LATENTS));
        SafetensorsFile fixture = SafetensorsFile.open(FIXTURES.resolve("tiny-sd2-reference.safetensors"));
        SafetensorsFile reference = SafetensorsFile.open(
            Path.of(getClass().getResource("/decoder/reference.safetensors").toURI()))) {
      assertThat(ours.info("noisy").dims()).containsExactly(2, 3, 4, 16, 16);
      assertThat(ours.info("estimate").dims()).containsExactly(2, 3, 2, 4, 16, 16);
      assertThat(maxAbsDiff(ours.floats("clean"), fixture.floats("vae.latents"))).isLessThanOrEqualTo(1e-4f);
      float[] noisy = ours.floats("noisy");
      float[] estimate = ours.floats("estimate");
      int per = 4 * 16 * 16;
      for (int r = 0; r < TIMESTEPS.length; r++) {
        String prefix = String.format("t%03d", TIMESTEPS[r]);
        float[] expectedNoisy = fixture.floats(prefix + ".noisy_latents"); // [image, 4, 16, 16]
        float[] expectedX0 = reference.floats("x0.epsilon." + prefix); // [image, prompt, 4, 16, 16]
        // the UNet matches diffusers within 1e-4; x0 divides its error by sqrt(abar_t)
        float tolerance = (float) (1e-4 / Math.sqrt(fixture.floats(prefix + ".alpha_cumprod")[0]));
        for (int i = 0; i < 2; i++) {
          float noisyErr = maxAbsDiff(slice(noisy, i * 3 + r, per), slice(expectedNoisy, i, per));
          assertThat(noisyErr).as("x_t of image %d at %s", i, prefix).isLessThanOrEqualTo(1e-4f);
          for (int c = 0; c < 2; c++) { // NONE is prompt 0 (""), TEXT prompt 1 ("a photo of a cat")
            float err = maxAbsDiff(slice(estimate, (i * 3 + r) * 2 + c, per), slice(expectedX0, i * 3 + c, per));
            System.out.printf("reconstruct x0 image %d %s conditioning %d: max|diff| = %.3g (tolerance %.3g)%n", i,
                prefix, c, err, tolerance);
            assertThat(err).as("x0 of image %d at %s, conditioning %d", i, prefix, c).isLessThanOrEqualTo(tolerance);
          }
        }
      }
    }
  }

  @Test
  void everyDecodedPngIsTheJavaDecodeOfItsLatent() throws Exception {
    assertThat(run.code()).as(run.err()).isZero();
    ReconstructionManifest m = ReconstructionManifest.read(out);
    try (SafetensorsFile latents = SafetensorsFile.open(out.resolve(ReconstructionFolder.LATENTS));
        VaeDecoder decoder = VaeDecoder.load(PipelineFolder.open(FIXTURES.resolve("tiny-sd2")), Placement.cpu());
        NDManager manager = NDManager.newBaseManager()) {
      float[][] noisy = Ops.rows(decoder.decodeLatents(manager.create(latents.floats("noisy"), new Shape(6, 4, 16, 16))));
      float[][] estimates = Ops.rows(decoder.decodeLatents(manager.create(latents.floats("estimate"),
          new Shape(12, 4, 16, 16))));
      for (int i = 0; i < 2; i++) {
        ReconstructionManifest.Image image = m.images().get(i);
        // a 64 x 64 input passes the preprocessing unresampled: the PNG the model saw is the file itself
        assertSamePixels(out.resolve(image.input()), ImageIO.read(FIXTURES.resolve("input_image_" + i + ".png").toFile()));
        for (int r = 0; r < 3; r++) {
          ReconstructionManifest.Row row = image.rows().get(r);
          assertSamePixels(out.resolve(row.noisy()), ImagePostprocessor.image(noisy[i * 3 + r], 64));
          for (int c = 0; c < 2; c++) {
            assertSamePixels(out.resolve(row.estimates().get(c).image()),
                ImagePostprocessor.image(estimates[(i * 3 + r) * 2 + c], 64));
          }
        }
      }
    }
  }

  @Test
  void theReportDrawsFigure4WithEveryPngOfTheFolder(@TempDir Path tmp) throws Exception {
    assertThat(run.code()).as(run.err()).isZero();
    Path json = Files.writeString(tmp.resolve("empty.json"), "{}");
    CommandRun report = CommandRun.run("report", "--from-json", json.toString(), "--reconstruction", out.toString(),
        "--no-png", "--out", tmp.resolve("report").toString());
    assertThat(report.code()).as(report.err()).isZero();

    String html = Files.readString(tmp.resolve("report/index.html"));
    assertThat(html).contains("<section id=\"reconstruction\">").contains("What each noise level means (Figure 4)");
    String section = html.substring(html.indexOf("<section id=\"reconstruction\">"));
    Path svg = tmp.resolve("report/figures/reconstruction-tiny-sd2.svg");
    assertThat(svg).isRegularFile();
    assertThat(section).contains(Files.readString(svg));
    // every picture, in reading order (per image, per row: input, noisy, no text, text), is its PNG byte for byte
    Matcher picture = Pattern.compile("<image [^>]*data-file=\"([^\"]+)\"[^>]*href=\"data:image/png;base64,([^\"]+)\"")
        .matcher(section);
    List<String> files = new ArrayList<>();
    while (picture.find()) {
      files.add(picture.group(1));
      assertThat(Base64.getDecoder().decode(picture.group(2))).as(picture.group(1))
          .isEqualTo(Files.readAllBytes(out.resolve(picture.group(1))));
    }
    List<String> expected = new ArrayList<>();
    for (ReconstructionManifest.Image image : ReconstructionManifest.read(out).images()) {
      for (ReconstructionManifest.Row row : image.rows()) {
        expected.add(image.input());
        expected.add(row.noisy());
        row.estimates().forEach(e -> expected.add(e.image()));
      }
    }
    assertThat(files).containsExactlyElementsOf(expected).hasSize(2 * 3 * 4);
    assertThat(section).contains("t = 899").contains("a photo of a cat");

    CommandRun notAFolder = CommandRun.run("report", "--from-json", json.toString(), "--reconstruction",
        tmp.toString(), "--out", tmp.resolve("report2").toString());
    assertOneLineError(notAFolder, "is not a reconstruction folder");
  }

  @Test
  void postprocessingRoundsAsDiffusersDoes() {
    // (x / 2 + 0.5) * 255, clamped, rounded half to even: -1 -> 0, 1 -> 255, 0 -> 127.5 -> 128, beyond -> clamped
    assertThat(ImagePostprocessor.level(-1f)).isZero();
    assertThat(ImagePostprocessor.level(1f)).isEqualTo(255);
    assertThat(ImagePostprocessor.level(0f)).isEqualTo(128);
    assertThat(ImagePostprocessor.level(3f)).isEqualTo(255);
    assertThat(ImagePostprocessor.level(-7f)).isZero();
    assertThat(ImagePostprocessor.level(2 * (100 / 255f) - 1)).isEqualTo(100);
  }

  @Test
  void badInputIsOneLineAndExitTwo(@TempDir Path tmp) {
    String image = FIXTURES.resolve("input_image_0.png").toString();
    String folder = tmp.resolve("never").toString();
    assertOneLineError(CommandRun.run("reconstruct", "--model", "tiny", "--image", tmp.resolve("missing.png").toString(),
        "--out", folder), "image not found");
    assertOneLineError(CommandRun.run("reconstruct", "--model", "tiny", "--image", image, "--noise-levels", "0.5,1.5",
        "--out", folder), "noise level 1.5 is outside [0, 1]");
    assertOneLineError(CommandRun.run("reconstruct", "--model", "pixels", "--image", image, "--out", folder),
        "no VAE");
    assertOneLineError(CommandRun.run("reconstruct", "--model", "tiny", "--image", image, "--concept", "cat",
        "--concept", "dog", "--out", folder), "--concept is given 2 times for 1 images");
    assertOneLineError(CommandRun.run("reconstruct", "--model", "tiny", "--image", image, "--noise-levels", "0.5",
        "--timesteps", "500", "--out", folder), "not both");
    assertOneLineError(CommandRun.run("reconstruct", "--model", "tiny", "--image", image, "--timesteps", "1000",
        "--out", folder), "timestep 1000 is outside 0..999");
    assertOneLineError(CommandRun.run("reconstruct", "--model", "tiny", "--image", image, "--unet-batch", "0",
        "--out", folder), "--unet-batch");
    assertThat(Path.of(folder)).doesNotExist();
  }

  private static void assertOneLineError(CommandRun run, String message) {
    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains(message);
    assertThat(run.err().strip().lines()).hasSize(1);
  }

  private static List<String> pngs(ReconstructionManifest m) {
    List<String> files = new ArrayList<>();
    for (ReconstructionManifest.Image image : m.images()) {
      files.add(image.input());
      for (ReconstructionManifest.Row row : image.rows()) {
        files.add(row.noisy());
        row.estimates().forEach(e -> files.add(e.image()));
      }
    }
    return files;
  }

  static void assertSamePixels(Path png, BufferedImage expected) throws Exception {
    BufferedImage actual = ImageIO.read(png.toFile());
    assertThat(actual.getWidth()).isEqualTo(expected.getWidth());
    assertThat(actual.getHeight()).isEqualTo(expected.getHeight());
    int w = expected.getWidth();
    int h = expected.getHeight();
    assertThat(actual.getRGB(0, 0, w, h, null, 0, w)).as(png.toString())
        .containsExactly(expected.getRGB(0, 0, w, h, null, 0, w));
  }

  static float[] slice(float[] values, int index, int per) {
    return Arrays.copyOfRange(values, index * per, (index + 1) * per);
  }

  static float maxAbsDiff(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    float max = 0;
    for (int i = 0; i < actual.length; i++) {
      float d = Math.abs(actual[i] - expected[i]);
      max = Float.isNaN(d) ? Float.NaN : Math.max(max, d);
    }
    return max;
  }
}
