package io.alignstream.extractor.diffusion;

import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import java.util.Arrays;
import java.util.List;

/**
 * What a diffusion UNet predicts from x_t, as a diffusers scheduler config's
 * {@code prediction_type} names it: the noise (SD 1.x, SD 2.x base), the velocity
 * v = sqrt(abar) eps - sqrt(1 - abar) x0 (SD 2.x at 768 px), or the clean sample itself.
 * {@link NoiseSchedule#estimateClean} turns each into the one-step estimate of the clean latent.
 */
public enum PredictionType {
  EPSILON("epsilon"),
  V_PREDICTION("v_prediction"),
  SAMPLE("sample");

  private final String configName;

  PredictionType(String configName) {
    this.configName = configName;
  }

  /** The name a scheduler config uses. */
  public String configName() {
    return configName;
  }

  /** {@code prediction_type} of a scheduler config; diffusers' default when absent is epsilon. */
  static PredictionType fromConfig(ConfigReader cfg) {
    List<String> names = Arrays.stream(values()).map(PredictionType::configName).toList();
    String name = cfg.requireOneOf("prediction_type", EPSILON.configName, names);
    return values()[names.indexOf(name)];
  }
}
