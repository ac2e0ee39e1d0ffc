package io.alignstream.common;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import java.util.List;

/**
 * What makes the settings of an extraction request valid, in one place: the producer checks
 * them before publishing, the extractor checks every request it consumes, and {@code features}
 * checks its flags, all with these rules and messages.
 *
 * <ul>
 *   <li>noise levels s in [0, 1]; explicit timesteps in [0, {@value #MAX_TIMESTEP}] (docs/method.md's
 *       clamp: Stable Diffusion's 1000 training steps); at least one of either;
 *   <li>at least one conditioning (NONE and/or TEXT);
 *   <li>a resolution that is a multiple of {@value #RESOLUTION_MULTIPLE} (the VAE downsamples by
 *       8) in {@value #RESOLUTION_MULTIPLE}..{@value #MAX_RESOLUTION};
 *   <li>a latent mode.
 * </ul>
 */
public final class RequestRules {

  public static final int MAX_TIMESTEP = 999;
  public static final int RESOLUTION_MULTIPLE = 8;
  public static final int MAX_RESOLUTION = 4096;

  private RequestRules() {}

  /** @throws IllegalArgumentException naming the first rule broken */
  public static void check(List<Double> noiseLevels, List<Integer> timesteps, List<Conditioning> conditionings,
      int resolution, LatentMode latent) {
    for (double s : noiseLevels) {
      checkNoiseLevel(s);
    }
    for (int t : timesteps) {
      checkTimestep(t);
    }
    if (noiseLevels.isEmpty() && timesteps.isEmpty()) {
      throw new IllegalArgumentException("give at least one noise level or timestep");
    }
    if (conditionings.isEmpty()) {
      throw new IllegalArgumentException("give at least one conditioning (none, text)");
    }
    if (resolution < RESOLUTION_MULTIPLE || resolution > MAX_RESOLUTION || resolution % RESOLUTION_MULTIPLE != 0) {
      throw new IllegalArgumentException("resolution " + resolution + " must be a multiple of " + RESOLUTION_MULTIPLE
          + " in " + RESOLUTION_MULTIPLE + ".." + MAX_RESOLUTION + " (the VAE downsamples by 8)");
    }
    if (latent == null) {
      throw new IllegalArgumentException("latent mode must be SAMPLE or MEAN");
    }
  }

  /** A consumed request's settings, with its id in the message. */
  public static void check(ExtractionRequest request) {
    try {
      check(request.getNoiseLevels(), request.getTimesteps(), request.getConditionings(), request.getResolution(),
          request.getLatent());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("request " + request.getRequestId() + ": " + e.getMessage(), e);
    }
  }

  public static void checkNoiseLevel(double s) {
    if (!(s >= 0 && s <= 1)) {
      throw new IllegalArgumentException("noise level " + s + " is outside [0, 1]");
    }
  }

  public static void checkTimestep(int t) {
    if (t < 0 || t > MAX_TIMESTEP) {
      throw new IllegalArgumentException("timestep " + t + " is outside 0.." + MAX_TIMESTEP);
    }
  }
}
