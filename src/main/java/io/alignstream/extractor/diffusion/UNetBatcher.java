package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.unet.TapValue;
import io.alignstream.extractor.diffusion.unet.Taps;
import io.alignstream.extractor.diffusion.unet.UNet;
import io.alignstream.extractor.diffusion.unet.UNetConfig;
import io.alignstream.extractor.diffusion.unet.UNetOutput;
import io.alignstream.extractor.nn.DeviceOutOfMemoryException;
import io.alignstream.extractor.nn.HalvingBatches;
import io.alignstream.extractor.nn.Pooling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs many (clean latent, noise, timestep, text context) jobs through the UNet in batches of
 * at most the configured size, whatever image, noise level or conditioning each job comes from:
 * each batch noises its latents (x_t = sqrt(abar_t) z0 + sqrt(1 - abar_t) eps, per job), runs
 * one forward that stops after the deepest requested tap, and copies the pooled taps off the
 * engine. Each batch lives in an NDManager scope of its own, closed before the next, so native
 * memory stays flat however long the run.
 *
 * <p>Self-attention holds heads x tokens^2 scores (and as many softmax weights) per input, which
 * grows with the fourth power of the latent side: 4 GiB per input for the tiny model's 2 heads
 * at a 128 x 128 latent. Batches are therefore capped so that these stay within
 * {@link #ATTENTION_BUDGET_BYTES}, whatever batch size is configured.
 *
 * <p>Out of memory. A forward that runs out of device memory ({@link DeviceOutOfMemoryException#isOutOfMemory})
 * is retried with half the batch, down to one input, and the size that fitted is kept for that
 * latent size, so later runs start there instead of failing again; only an input that does not
 * fit alone fails, with a {@link DeviceOutOfMemoryException}. The optional device memory limit
 * applies the same rule before the engine allocates: a forward whose attention (the estimate
 * above, batch x per input) exceeds it counts as out of memory. That bounds what one extractor
 * takes of a shared GPU (the engine has no per-process cap DJL exposes) and makes this path run
 * on a CPU as it does on a GPU.
 */
public final class UNetBatcher {

  /**
   * One UNet input.
   *
   * @param z0 clean latent [c, h, w] row-major
   * @param eps diffusion noise, same shape
   * @param timestep t in [0, 999]
   * @param context text encoder states [tokens, width] row-major
   */
  public record Job(float[] z0, float[] eps, int timestep, float[] context) {}

  /**
   * What a run recorded.
   *
   * @param shapes per tap path, the shape of one job's value (no batch axis), e.g. [C] or [C, H, W]
   * @param values per job (in job order), tap path -> its values
   */
  public record Result(Map<String, long[]> shapes, List<Map<String, float[]>> values) {}

  /** Most bytes of attention scores and weights one batch may hold (see the class comment). */
  public static final long ATTENTION_BUDGET_BYTES = 4L << 30;

  private final UNet unet;
  private final NoiseSchedule schedule;
  private final List<String> taps;
  private final Pooling pooling;
  private final HalvingBatches batches;
  private final long deviceMemoryLimit;
  private final NDManager base;
  private long forwards;
  private long samples;

  /**
   * @param deviceMemoryLimit most bytes of attention one forward may hold (0: no limit but the device's)
   * @param base manager the batch scopes open under (on the UNet's device); the caller owns it
   */
  public UNetBatcher(UNet unet, NoiseSchedule schedule, List<String> taps, Pooling pooling, int batchSize,
      long deviceMemoryLimit, NDManager base) {
    Taps.requireValid(taps, unet.config());
    this.unet = unet;
    this.schedule = schedule;
    this.taps = List.copyOf(taps);
    this.pooling = pooling;
    this.batches = new HalvingBatches(batchSize);
    this.deviceMemoryLimit = deviceMemoryLimit;
    this.base = base;
  }

  /**
   * Runs the jobs, which must share one latent shape and one context shape.
   *
   * @param latentShape [c, h, w]
   * @param contextShape [tokens, width]
   */
  public Result run(List<Job> jobs, long[] latentShape, long[] contextShape) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    List<Map<String, float[]>> values = new ArrayList<>(jobs.size());
    for (HalvingBatches.Batch<Job, UNetOutput> done : batches.run(jobs, List.of(latentShape[1], latentShape[2]),
        effectiveBatch(latentShape[1], latentShape[2]), batch -> forward(batch, latentShape, contextShape),
        "UNet input at latent " + latentShape[1] + " x " + latentShape[2])) {
      UNetOutput out = done.result();
      for (TapValue tap : out.taps().values()) {
        long[] s = tap.shape();
        shapes.putIfAbsent(tap.path(), Arrays.copyOfRange(s, 1, s.length));
      }
      for (int i = 0; i < done.jobs().size(); i++) {
        Map<String, float[]> job = new LinkedHashMap<>();
        for (TapValue tap : out.taps().values()) {
          job.put(tap.path(), tap.row(i));
        }
        values.add(job);
      }
    }
    return new Result(shapes, values);
  }

  /** The configured batch size, capped so that one batch's attention stays within the budget. */
  public int effectiveBatch(long latentHeight, long latentWidth) {
    // scores and softmax are float32 whatever the compute dtype (Ops.attention upcasts them)
    long perInput = attentionBytesPerInput(unet.config(), latentHeight, latentWidth, 4);
    long fits = Math.max(1, ATTENTION_BUDGET_BYTES / Math.max(1, perInput));
    return (int) Math.min(batches.batchSize(), fits);
  }

  /** Scores plus softmax weights of the largest self-attention, for one input. */
  static long attentionBytesPerInput(UNetConfig c, long height, long width, int bytesPerValue) {
    long worst = 0;
    for (UNetConfig.Module m : c.modules()) {
      if (m.kind() == UNetConfig.ModuleKind.TRANSFORMER) {
        long tokens = (height / m.downscale()) * (width / m.downscale());
        worst = Math.max(worst, 2L * m.heads() * tokens * tokens * bytesPerValue);
      }
    }
    return worst;
  }

  private UNetOutput forward(List<Job> batch, long[] latentShape, long[] contextShape) {
    int n = batch.size();
    long attention = n * attentionBytesPerInput(unet.config(), latentShape[1], latentShape[2], 4);
    if (deviceMemoryLimit > 0 && attention > deviceMemoryLimit) {
      throw new DeviceOutOfMemoryException("a UNet forward of " + n + " inputs at latent " + latentShape[1] + " x "
          + latentShape[2] + " needs about " + attention + " bytes of attention, over the limit of "
          + deviceMemoryLimit + " bytes (--device-memory-limit)", null);
    }
    int per = (int) (latentShape[0] * latentShape[1] * latentShape[2]);
    int ctx = (int) (contextShape[0] * contextShape[1]);
    float[] z0 = new float[n * per];
    float[] eps = new float[n * per];
    float[] context = new float[n * ctx];
    int[] t = new int[n];
    float[] tf = new float[n];
    for (int i = 0; i < n; i++) {
      Job job = batch.get(i);
      if (job.z0().length != per || job.eps().length != per || job.context().length != ctx) {
        throw new IllegalArgumentException("job " + i + " has latent " + job.z0().length + ", noise " + job.eps().length
            + ", context " + job.context().length + " values; the batch expects " + per + ", " + per + ", " + ctx);
      }
      System.arraycopy(job.z0(), 0, z0, i * per, per);
      System.arraycopy(job.eps(), 0, eps, i * per, per);
      System.arraycopy(job.context(), 0, context, i * ctx, ctx);
      t[i] = job.timestep();
      tf[i] = job.timestep();
    }
    try (NDManager scope = base.newSubManager()) {
      Shape latent = new Shape(n, latentShape[0], latentShape[1], latentShape[2]);
      NDArray x0 = scope.create(z0, latent); // [B, c, h, w]
      NDArray noise = scope.create(eps, latent); // [B, c, h, w]
      NDArray xt = schedule.addNoise(x0, noise, t); // [B, c, h, w]
      NDArray states = scope.create(context, new Shape(n, contextShape[0], contextShape[1])); // [B, 77, D]
      // One timestep for the whole batch when they agree: the time MLP then runs once.
      float[] timesteps = allEqual(tf) ? new float[] {tf[0]} : tf;
      UNetOutput out = unet.forward(xt, timesteps, states, taps, pooling);
      forwards++;
      samples += n;
      return out;
    }
  }

  private static boolean allEqual(float[] values) {
    for (float v : values) {
      if (v != values[0]) {
        return false;
      }
    }
    return true;
  }

  /** UNet forward calls so far. */
  public long forwards() {
    return forwards;
  }

  /** Jobs run so far (the sum of the forwards' batch sizes). */
  public long samples() {
    return samples;
  }

  /** Times a batch was halved because it ran out of memory. */
  public long halvings() {
    return batches.halvings();
  }
}
