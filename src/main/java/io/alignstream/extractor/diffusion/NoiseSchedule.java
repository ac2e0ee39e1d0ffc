package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.ConfigReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward-diffusion schedule of a diffusers scheduler config (DDPM/DDIM/PNDM/... all share
 * it): betas, the cumulative products alpha-bar used by {@code add_noise}, docs/method.md's mapping of
 * a noise level to a timestep, and the way back: the one-step estimate of the clean latent from
 * the UNet's prediction, read as the config's {@code prediction_type} says.
 *
 * <p>Numbers are reproduced bit-for-bit as diffusers computes them in float32 on the CPU:
 * <ul>
 *   <li>betas come from {@code torch.linspace(..., dtype=float32)}, emulated by
 *       {@link #torchLinspace} (see there for the exact kernel);
 *   <li>{@code torch.cumprod} of a float32 tensor on the CPU accumulates in double (ATen's
 *       CPU accumulate type for float) and rounds each prefix product to float; a plain float32
 *       running product drifts by up to 4e-7 from what diffusers uses.
 * </ul>
 */
public final class NoiseSchedule {

  /** docs/method.md: noise levels map to timesteps as img2img does with this many DDIM steps. */
  public static final int INFERENCE_STEPS = 100;
  /** docs/method.md: leading spacing with this offset (SD's scheduler configs set steps_offset 1). */
  public static final int STEPS_OFFSET = 1;

  private static final List<String> SCHEDULES = List.of("scaled_linear", "linear");

  private final float[] betas;
  private final float[] alphasCumprod;
  private final PredictionType prediction;

  private NoiseSchedule(float[] betas, PredictionType prediction) {
    this.betas = betas;
    this.alphasCumprod = cumprod(betas);
    this.prediction = prediction;
  }

  /** From a scheduler component ({@code scheduler/scheduler_config.json}). */
  public static NoiseSchedule fromConfig(ComponentFolder scheduler) {
    return fromConfig(scheduler.configReader());
  }

  /** From the keys of a diffusers scheduler config. */
  public static NoiseSchedule fromConfig(ConfigReader cfg) {
    int n = cfg.intOr("num_train_timesteps", 1000);
    if (cfg.boolOr("rescale_betas_zero_snr", false)) {
      throw CheckpointException.unsupported(cfg.file(), "rescale_betas_zero_snr", true, "false");
    }
    if (cfg.has("trained_betas")) {
      throw CheckpointException.unsupported(
          cfg.file(), "trained_betas", "a list", "null (betas from beta_schedule " + SCHEDULES + ")");
    }
    String schedule = cfg.requireOneOf("beta_schedule", "linear", SCHEDULES);
    double start = cfg.doubleOr("beta_start", 0.0001);
    double end = cfg.doubleOr("beta_end", 0.02);
    float[] betas = schedule.equals("scaled_linear") ? scaledLinear(start, end, n) : torchLinspace(start, end, n);
    return new NoiseSchedule(betas, PredictionType.fromConfig(cfg));
  }

  /** {@code linspace(sqrt(start), sqrt(end), n, float32) ** 2}, Stable Diffusion's betas. */
  private static float[] scaledLinear(double betaStart, double betaEnd, int n) {
    // The square roots are taken in double (Python's **0.5) before linspace narrows to float.
    float[] roots = torchLinspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), n);
    float[] betas = new float[n];
    for (int i = 0; i < n; i++) {
      betas[i] = roots[i] * roots[i]; // float32 square, as torch's ** 2
    }
    return betas;
  }

  /**
   * {@code torch.linspace(start, end, n, dtype=float32)} as the CPU kernel of the reference
   * (PyTorch 1.13, AVX2 build) computes it: the first half counts up from start, the second half
   * down from end (symmetric rounding), evaluated 8 lanes at a time in chunks of 16 where each
   * lane's base is a fused multiply-add and lanes add k*step; the remainder is scalar. Other
   * builds differ from this in at most the last bit of a few betas (6e-8 in alpha-bar).
   */
  static float[] torchLinspace(double startD, double endD, int n) {
    float start = (float) startD;
    float end = (float) endD;
    float[] out = new float[n];
    if (n == 1) {
      out[0] = start;
      return out;
    }
    float step = (end - start) / (n - 1);
    int halfway = n / 2;
    int lanes = 8;
    int vectorized = n / (2 * lanes) * (2 * lanes);
    for (int idx = 0; idx < vectorized; idx += lanes) {
      float base = idx < halfway ? Math.fma(step, (float) idx, start) : Math.fma(-step, (float) (n - idx - 1), end);
      for (int k = 0; k < lanes; k++) {
        out[idx + k] = k == 0 ? base : Math.fma((float) k, step, base);
      }
    }
    for (int idx = vectorized; idx < n; idx++) {
      out[idx] = idx < halfway ? Math.fma(step, (float) idx, start) : Math.fma(-step, (float) (n - idx - 1), end);
    }
    return out;
  }

  private static float[] cumprod(float[] betas) {
    float[] out = new float[betas.length];
    double running = 1.0;
    for (int i = 0; i < betas.length; i++) {
      running *= 1.0f - betas[i]; // alphas = 1 - betas in float32, product accumulated in double
      out[i] = (float) running;
    }
    return out;
  }

  /** Number of training timesteps (1000 for Stable Diffusion). */
  public int trainTimesteps() {
    return betas.length;
  }

  public float[] betas() {
    return betas.clone();
  }

  public float[] alphasCumprod() {
    return alphasCumprod.clone();
  }

  /** What the UNet of this schedule's pipeline predicts (the config's prediction_type). */
  public PredictionType prediction() {
    return prediction;
  }

  public float alphaCumprod(int t) {
    return alphasCumprod[checkT(t)];
  }

  private int checkT(int t) {
    if (t < 0 || t >= betas.length) {
      throw new IllegalArgumentException("timestep " + t + " outside [0, " + (betas.length - 1) + "]");
    }
    return t;
  }

  /**
   * docs/method.md's timestep for noise level s: the first timestep img2img denoises from with
   * {@value #INFERENCE_STEPS} DDIM steps, leading spacing and steps_offset {@value #STEPS_OFFSET},
   * i.e. t = 10 * floor(100 s) - 9, clamped to [0, trainTimesteps - 1].
   *
   * <p>floor(100 s) is computed as {@code (int) (100 * s)} in double, exactly like diffusers'
   * {@code int(num_inference_steps * strength)}, so float artefacts agree with img2img:
   * 100 * 0.29 = 28.999999999999996 gives 28, hence t = 271, not 281.
   */
  public int timestepFor(double s) {
    if (!(s >= 0 && s <= 1)) {
      throw new IllegalArgumentException("noise level " + s + " outside [0, 1]");
    }
    int stepRatio = betas.length / INFERENCE_STEPS;
    int initSteps = Math.min((int) (INFERENCE_STEPS * s), INFERENCE_STEPS);
    int t = (initSteps - 1) * stepRatio + STEPS_OFFSET;
    return Math.max(0, Math.min(betas.length - 1, t));
  }

  /**
   * The timesteps a request runs, each with the noise levels recorded for it, in request order:
   * each noise level's {@link #timestepFor} (levels that map to one timestep share it and its
   * forward), or, when timesteps are given instead, each timestep with s = t / 1000.
   */
  public Map<Integer, List<Double>> levelsByTimestep(List<Double> noiseLevels, List<Integer> timesteps) {
    Map<Integer, List<Double>> out = new LinkedHashMap<>();
    if (!timesteps.isEmpty()) {
      for (int t : timesteps) {
        List<Double> levels = out.computeIfAbsent(checkT(t), x -> new ArrayList<>());
        if (!levels.contains(t / 1000.0)) {
          levels.add(t / 1000.0);
        }
      }
      return out;
    }
    for (double s : noiseLevels) {
      List<Double> levels = out.computeIfAbsent(timestepFor(s), x -> new ArrayList<>());
      if (!levels.contains(s)) {
        levels.add(s);
      }
    }
    return out;
  }

  /**
   * diffusers {@code add_noise}: x_t = sqrt(abar_t) z0 + sqrt(1 - abar_t) eps, one timestep per
   * batch element.
   *
   * @param z0 clean latents [B, C, h, w]
   * @param eps gaussian noise [B, C, h, w]
   * @param t timestep per batch element (length B)
   * @return x_t [B, C, h, w] in z0's manager
   */
  public NDArray addNoise(NDArray z0, NDArray eps, int[] t) {
    Coefficients c = coefficients(t, z0, eps, "addNoise: noise");
    return z0.mul(c.signal()).add(eps.mul(c.noise())); // [B, C, h, w]
  }

  /**
   * The one-step estimate of the clean latent from the UNet's prediction at x_t: what diffusers'
   * schedulers compute as {@code pred_original_sample} in {@code step}, per batch element, with
   * float32 coefficients as in {@link #addNoise}:
   * <ul>
   *   <li>epsilon: x0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t), add_noise solved for z0;</li>
   *   <li>v_prediction: x0 = sqrt(abar_t) x_t - sqrt(1 - abar_t) v, since v = sqrt(abar_t) eps -
   *       sqrt(1 - abar_t) z0;</li>
   *   <li>sample: x0 = the prediction.</li>
   * </ul>
   *
   * @param xt noisy latents [B, C, h, w]
   * @param prediction the UNet's output for them [B, C, h, w], read as {@link #prediction()} says
   * @param t timestep per batch element (length B)
   * @return [B, C, h, w] in xt's manager
   */
  public NDArray estimateClean(NDArray xt, NDArray prediction, int[] t) {
    Coefficients c = coefficients(t, xt, prediction, "estimateClean: prediction");
    return switch (this.prediction) {
      case EPSILON -> xt.sub(prediction.mul(c.noise())).div(c.signal()); // [B, C, h, w]
      case V_PREDICTION -> xt.mul(c.signal()).sub(prediction.mul(c.noise())); // [B, C, h, w]
      case SAMPLE -> prediction.duplicate(); // [B, C, h, w]
    };
  }

  /** sqrt(abar_t) and sqrt(1 - abar_t), each [B, 1, 1, 1]. */
  private record Coefficients(NDArray signal, NDArray noise) {}

  /**
   * The coefficients of each batch element in the manager, dtype and device of {@code latents};
   * rounded to float32 as diffusers' float32 tensors are.
   *
   * @param other the second operand, which must have the latents' shape; {@code what} names it
   */
  private Coefficients coefficients(int[] t, NDArray latents, NDArray other, String what) {
    Shape shape = latents.getShape();
    if (shape.get(0) != t.length || !shape.equals(other.getShape())) {
      throw new IllegalArgumentException(what + " " + other.getShape() + " and " + t.length + " timesteps do not fit "
          + "latents " + shape + " (same shape, one timestep per batch element)");
    }
    float[] signal = new float[t.length];
    float[] noise = new float[t.length];
    for (int i = 0; i < t.length; i++) {
      float abar = alphaCumprod(t[i]);
      signal[i] = (float) Math.sqrt(abar);
      noise[i] = (float) Math.sqrt(1.0f - abar);
    }
    NDManager m = latents.getManager();
    Shape perSample = new Shape(t.length, 1, 1, 1);
    return new Coefficients(
        m.create(signal, perSample).toType(latents.getDataType(), false).toDevice(latents.getDevice(), false),
        m.create(noise, perSample).toType(latents.getDataType(), false).toDevice(latents.getDevice(), false));
  }
}
