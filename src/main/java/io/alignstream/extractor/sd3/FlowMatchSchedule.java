package io.alignstream.extractor.sd3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} (0.30) as docs/method.md's SD3 protocol uses
 * it: the shifted sigmas of {@code set_timesteps(100)}, the img2img start index of a noise level,
 * {@code scale_noise}, and the way back: the clean latent one Euler step to sigma 0 gives. Sigmas are reproduced bit for bit: the training sigmas in float32 (as
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
   * The sigmas a request runs, each with the noise levels recorded for it, in request order: each
   * noise level's {@link #sigmaFor} (levels with one start index share it and its forward), or, when
   * timesteps are given instead, sigma = t / 1000 with s = t / 1000.
   */
  public Map<Float, List<Double>> levelsBySigma(List<Double> noiseLevels, List<Integer> timesteps) {
    Map<Float, List<Double>> out = new LinkedHashMap<>();
    if (!timesteps.isEmpty()) {
      for (int t : timesteps) {
        List<Double> levels = out.computeIfAbsent((float) t / trainTimesteps, x -> new ArrayList<>());
        if (!levels.contains(t / 1000.0)) {
          levels.add(t / 1000.0);
        }
      }
      return out;
    }
    for (double s : noiseLevels) {
      List<Double> levels = out.computeIfAbsent(sigmaFor(s), x -> new ArrayList<>());
      if (!levels.contains(s)) {
        levels.add(s);
      }
    }
    return out;
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

  /**
   * The one-step estimate of the clean latent from the transformer's velocity v = eps - z0 at x:
   * z0 = x - sigma v, the Euler step of {@code FlowMatchEulerDiscreteScheduler.step} from sigma
   * all the way to 0 ({@code sample + (0 - sigma) * model_output}; diffusers 0.30 has no
   * {@code pred_original_sample} for flow matching), per batch entry, in float32.
   *
   * @param x noisy latents [B, C, h, w], as {@link #scaleNoise} makes them
   * @param velocity the transformer's output for them [B, C, h, w]
   * @return [B, C, h, w] in x's manager
   */
  public static NDArray estimateClean(NDArray x, NDArray velocity, float[] sigma) {
    Shape shape = x.getShape();
    if (shape.get(0) != sigma.length || !shape.equals(velocity.getShape())) {
      throw new IllegalArgumentException("estimateClean: latents " + shape + ", velocity " + velocity.getShape() + ", "
          + sigma.length + " sigmas");
    }
    float[] step = new float[sigma.length];
    for (int i = 0; i < sigma.length; i++) {
      step[i] = 0f - sigma[i];
    }
    NDArray d = x.getManager().create(step, new Shape(sigma.length, 1, 1, 1)).toType(x.getDataType(), false)
        .toDevice(x.getDevice(), false);
    return x.add(velocity.mul(d)); // [B, C, h, w]
  }
}
