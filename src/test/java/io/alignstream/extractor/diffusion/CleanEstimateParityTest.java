package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one-step estimate of the clean latent ({@link NoiseSchedule#estimateClean}) against
 * diffusers' {@code DDPMScheduler.step(...).pred_original_sample} for the fixture's noisy latents
 * and UNet outputs at t = 0, 500, 899, read as noise (the tiny pipeline's own prediction type) and
 * as v. Expected values: src/test/resources/decoder; tolerance 1e-4 absolute.
 */
class CleanEstimateParityTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @CsvSource({"epsilon, t000, 0", "epsilon, t500, 500", "epsilon, t899, 899",
      "v_prediction, t000, 0", "v_prediction, t500, 500", "v_prediction, t899, 899"})
  void estimateMatchesDiffusers(String predictionType, String prefix, int t) throws Exception {
    Path schedulerConfig = Fixtures.tinySd2().resolve("scheduler/scheduler_config.json");
    ObjectNode config = (ObjectNode) JSON.readTree(schedulerConfig.toFile());
    assertThat(config.get("prediction_type").asText()).as("the fixture's own type").isEqualTo("epsilon");
    config.put("prediction_type", predictionType);
    NoiseSchedule schedule = NoiseSchedule.fromConfig(new ConfigReader(config, schedulerConfig));
    assertThat(schedule.prediction().configName()).isEqualTo(predictionType);
    try (SafetensorsFile fixture = Fixtures.reference(); SafetensorsFile ref = Fixtures.decoderReference();
        NDManager m = NDManager.newBaseManager()) {
      long[] out = fixture.info("unet." + prefix + ".out").dims(); // [image, prompt, 4, h, w]
      int batch = (int) (out[0] * out[1]);
      Shape latent = new Shape(batch, out[2], out[3], out[4]);
      NDArray xt = Fixtures.latents(m, fixture, prefix); // [image * prompt, 4, h, w], image-major
      NDArray prediction = m.create(fixture.floats("unet." + prefix + ".out"), latent);
      int[] timesteps = new int[batch];
      Arrays.fill(timesteps, t);
      NDArray x0 = schedule.estimateClean(xt, prediction, timesteps);
      String name = "x0." + predictionType + "." + prefix;
      float err = Fixtures.maxAbsDiff(x0.toFloatArray(), ref.floats(name));
      System.out.printf("parity %-24s max|diff| = %.3g%n", name, err);
      assertThat(err).isLessThanOrEqualTo(1e-4f);
    }
  }
}
