package io.alignstream.extractor.diffusion.vae;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.Fixtures;
import io.alignstream.extractor.diffusion.SingleFileCheckpoint;
import io.alignstream.extractor.diffusion.StableDiffusion;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.nn.Kernels;
import io.alignstream.extractor.nn.Placement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java VAE decoder against diffusers' {@code AutoencoderKL.decode} on tiny-sd2, loaded from the
 * pipeline folder and from the single-file LDM checkpoint (whose {@code first_stage_model.decoder.*}
 * numbers the up blocks from the bottom). Expected values: src/test/resources/decoder (made by
 * diffusers 0.30.3 with the script there); tolerance 1e-4 absolute, as for every fixture.
 */
class VaeDecoderParityTest {

  private static final float TOL = 1e-4f;

  static SafetensorsFile ref;
  static NDManager manager;

  @BeforeAll
  static void open() {
    Fixtures.dir(); // skips without ../shared: the weights live there
    ref = Fixtures.decoderReference();
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    if (manager != null) {
      manager.close();
      ref.close();
    }
  }

  private static NDArray z(NDManager m) {
    return m.create(ref.floats("decode.z"), new Shape(ref.info("decode.z").dims()));
  }

  private static void assertDecodes(String what, NDArray images) {
    assertThat(images.getShape().getShape()).containsExactly(ref.info("decode.sample").dims());
    float err = Fixtures.maxAbsDiff(images.toFloatArray(), ref.floats("decode.sample"));
    System.out.printf("parity decode (%s) max|diff| = %.3g%n", what, err);
    assertThat(err).as(what + " max abs error").isLessThanOrEqualTo(TOL);
  }

  @Test
  void decodeMatchesDiffusersFromThePipelineFolderWithEitherKernels() {
    try (VaeDecoder decoder = VaeDecoder.load(PipelineFolder.open(Fixtures.tinySd2()), Placement.cpu());
        NDManager scope = manager.newSubManager()) {
      NDArray z = z(scope);
      assertDecodes("folder, fused kernels", decoder.using(Kernels.fused()).decode(z));
      assertDecodes("folder, explicit kernels", decoder.using(Kernels.explicit()).decode(z));
      assertThat(decoder.weights().loadedNames())
          .allMatch(n -> n.startsWith("decoder.") || n.startsWith("post_quant_conv."));
      assertThat(z.toFloatArray()).as("the input is left as it was").containsExactly(ref.floats("decode.z"));
    }
  }

  @Test
  void decodeMatchesDiffusersFromTheSingleFileCheckpoint() {
    SingleFileCheckpoint ldm = SingleFileCheckpoint.open(Fixtures.dir().resolve("tiny-sd2-ldm.safetensors"),
        Fixtures.tinySd2());
    try (StableDiffusion sd = StableDiffusion.open(ldm, Placement.cpu()); NDManager scope = manager.newSubManager()) {
      assertDecodes("single file", sd.decoder().decode(z(scope)));
      assertThat(sd.decoder()).as("loaded once").isSameAs(sd.decoder());
    }
  }

  @Test
  void decodeLatentsUndoesTheScalingFactorOfTheEncoder() {
    try (VaeDecoder decoder = VaeDecoder.load(PipelineFolder.open(Fixtures.tinySd2()), Placement.cpu());
        NDManager scope = manager.newSubManager()) {
      // the pipeline's latents are z * scaling_factor (VaeEncoder.latents); decodeLatents divides it out
      NDArray latents = z(scope).mul((float) decoder.config().scalingFactor());
      assertDecodes("latents", decoder.decodeLatents(latents));
      try (SafetensorsFile fixture = Fixtures.reference()) {
        // and the fixture maker's own decode of the posterior mean of image 0 (vae.decoded_mean)
        NDArray clean = scope.create(fixture.floats("vae.latents"), new Shape(fixture.info("vae.latents").dims()));
        float err = Fixtures.maxAbsDiff(decoder.decodeLatents(clean).toFloatArray(), fixture.floats("vae.decoded_mean"));
        System.out.printf("parity vae.decoded_mean max|diff| = %.3g%n", err);
        assertThat(err).isLessThanOrEqualTo(TOL);
      }
    }
  }
}
