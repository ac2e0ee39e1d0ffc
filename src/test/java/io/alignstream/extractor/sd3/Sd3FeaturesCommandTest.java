package io.alignstream.extractor.sd3;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.CommandRun;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code alignstream features --model <SD3 folder>} end to end against the diffusers reference:
 * with the reference's own noise injected and the posterior mean, the written latents, text
 * states, noisy latents and every block's token mean match tiny-sd3-reference within 1e-4.
 */
class Sd3FeaturesCommandTest {

  @ParameterizedTest(name = "{0} at s = {1}")
  @CsvSource({"tiny-sd3, 0.55, s055", "tiny-sd3-no-t5, 0.9, s090"})
  void writesTheReferenceLayoutAndValues(String name, String level, String prefix, @TempDir Path dir) {
    Path out = dir.resolve("features.safetensors");
    Path reference = Sd3Fixtures.dir().resolve(name + "-reference.safetensors");
    List<String> args = new ArrayList<>(List.of("features", "--model", Sd3Fixtures.pipeline(name).toString(),
        "--image", Sd3Fixtures.dir().resolve("images/input_image_0.png").toString(),
        "--image", Sd3Fixtures.dir().resolve("images/input_image_1.png").toString(),
        "--noise-level", level, "--latent", "mean", "--noise", reference + ":noise", "--pool", "mean",
        "--taps", "default,contexts", "--resolution", "64", "--model-cache", dir.resolve("cache").toString(),
        "--out", out.toString()));
    for (String p : Sd3Fixtures.PROMPTS) {
      args.add("--prompt");
      args.add(p);
    }
    CommandRun run = CommandRun.run(args.toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("2 images x 3 prompts");
    try (SafetensorsFile ref = Sd3Fixtures.reference(name); SafetensorsFile got = SafetensorsFile.open(out)) {
      assertClose(got, "vae.latents", ref, "vae.latents");
      assertClose(got, "prompt_embeds", ref, "prompt_embeds");
      assertClose(got, "pooled_prompt_embeds", ref, "pooled_prompt_embeds");
      assertClose(got, "noisy_latents", ref, prefix + ".noisy_latents");
      for (String tap : List.of("transformer_blocks.0", "transformer_blocks.1", "transformer_blocks.2",
          "transformer_blocks.0.context", "transformer_blocks.1.context")) {
        assertThat(got.info("transformer." + tap + ".mean").dims()).containsExactly(2, 3, 32);
        assertClose(got, "transformer." + tap + ".mean", ref, "transformer." + prefix + "." + tap + ".mean");
      }
      assertThat(got.metadata()).containsEntry("t5", String.valueOf(name.equals("tiny-sd3")));
    }
  }

  private static void assertClose(SafetensorsFile got, String name, SafetensorsFile ref, String refName) {
    float err = Sd3Fixtures.maxAbsDiff(got.floats(name), ref.floats(refName));
    assertThat(err).as(name + " against " + refName).isLessThanOrEqualTo(1e-4f);
  }
}
