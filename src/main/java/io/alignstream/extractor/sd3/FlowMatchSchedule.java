package io.alignstream.extractor.sd3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.CheckpointException;
import io.alignstream.extractor.diffusion.ComponentFolder;
import io.alignstream.extractor.diffusion.ConfigReader;

/**
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} (0.30) as docs/method.md's SD3 protocol uses
 * it: the shifted sigmas of {@code set_timesteps(100)}, the img2img start index of a noise level,
 * and {@code scale_noise}. Sigmas are reproduced bit for bit: the training sigmas in float32 (as
 * torch computes them), the inference spacing and shift in double (numpy), rounded to float32.
 */
public final class FlowMatchSchedule {

  /** docs/method.md: noise levels start img2img with this many inference steps, as the UNet protocol. */
  public static final int INFERENCE_STEPS = 100;

  private final int trainTimesteps;
  private final double shift;
  /** {@link #INFERENCE_STEPS} sigmas from 1 down, then 0. */
  private final float[] sigmas;

  public FlowMatchSchedule(int trainTimesteps, double shift) {
    this.trainTimesteps = trainTimesteps;
    this.shift = shift;
    this.sigmas = inferenceSigmas(trainTimesteps, shift, INFERENCE_STEPS);
  }

  /** From a scheduler component; anything but a static shift is refused. */
  public static FlowMatchSchedule fromConfig(ComponentFolder scheduler) {
    ConfigReader cfg = scheduler.configReader();
    if (cfg.boolOr("use_dynamic_shifting", false)) {
      throw CheckpointException.unsupported(cfg.file(), "use_dynamic_shifting", true,
          "false (a resolution-dependent shift, FLUX's, is not SD3's)");
    }
    return new FlowMatchSchedule(cfg.intOr("num_train_timesteps", 1000), cfg.doubleOr("shift", 1.0));
  }

  private static float[] inferenceSigmas(int n, double shift, int steps) {
    // __init__: timesteps 1..n (float32, reversed), sigmas t / n, shifted in float32
    float sigmaMax = shifted(1f, (float) shift); // t = n
    float sigmaMin = shifted((float) 1 / n, (float) shift); // t = 1: 1/n in float32 is torch's 1.0 / n
    // set_timesteps: np.linspace(sigma_max * n, sigma_min * n, steps) / n, shifted in float64, to float32
    double start = (double) sigmaMax * n;
    double stop = (double) sigmaMin * n;
    double step = (stop - start) / (steps - 1);
    float[] out = new float[steps + 1];
    for (int i = 0; i < steps; i++) {
      double t = i == steps - 1 ? stop : i * step + start;
      double s = t / n;
      out[i] = (float) (shift * s / (1 + (shift - 1) * s));
    }
    out[steps] = 0f;
    return out;
  }

  private static float shifted(float sigma, float shift) {
    return shift * sigma / (1f + (shift - 1f) * sigma);
  }

  public double shift() {
    return shift;
  }

  public int trainTimesteps() {
    return trainTimesteps;
  }

  /** The {@value #INFERENCE_STEPS} + 1 sigmas of {@code set_timesteps}, the last 0. */
  public float[] sigmas() {
    return sigmas.clone();
  }

  /**
   * The index img2img with strength s starts at: {@code int(100 - 100 s)}, in double like Python's
   * {@code int(max(num_inference_steps - min(num_inference_steps * strength, num_inference_steps), 0))}.
   */
  public int startIndex(double s) {
    if (!(s >= 0 && s <= 1)) {
      throw new IllegalArgumentException("noise level " + s + " outside [0, 1]");
    }
    double init = Math.min(INFERENCE_STEPS * s, INFERENCE_STEPS);
    return (int) Math.max(INFERENCE_STEPS - init, 0);
  }

  /** The sigma noise level s noises with (0 at s = 0). */
  public float sigmaFor(double s) {
    return sigmas[startIndex(s)];
  }

  /** The transformer's timestep for a sigma: 1000 sigma in float32 (diffusers' sigmas * num_train_timesteps). */
  public float timestepOf(float sigma) {
    return sigma * trainTimesteps;
  }

  /**
   * scale_noise, the rectified-flow forward process: x = sigma eps + (1 - sigma) z0, one sigma
   * per batch entry, in float32.
   *
   * @param z0 clean latents [B, C, h, w]
   * @param eps gaussian noise, same shape
   * @return x [B, C, h, w] in z0's manager
   */
  public static NDArray scaleNoise(NDArray z0, NDArray eps, float[] sigma) {
    Shape shape = z0.getShape();
    if (shape.get(0) != sigma.length || !shape.equals(eps.getShape())) {
      throw new IllegalArgumentException("scaleNoise: latents " + shape + ", noise " + eps.getShape() + ", "
          + sigma.length + " sigmas");
    }
    float[] keep = new float[sigma.length];
    for (int i = 0; i < sigma.length; i++) {
      keep[i] = 1.0f - sigma[i];
    }
    Shape perSample = new Shape(sigma.length, 1, 1, 1);
    NDArray s = z0.getManager().create(sigma, perSample).toType(z0.getDataType(), false).toDevice(z0.getDevice(), false);
    NDArray k = z0.getManager().create(keep, perSample).toType(z0.getDataType(), false).toDevice(z0.getDevice(), false);
    return eps.mul(s).add(z0.mul(k)); // [B, C, h, w]
  }
}
