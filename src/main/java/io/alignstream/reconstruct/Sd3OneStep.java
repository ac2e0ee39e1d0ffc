package io.alignstream.reconstruct;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.LatentDiffusion;
import io.alignstream.extractor.nn.HalvingBatches;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Pooling;
import io.alignstream.extractor.sd3.FlowMatchSchedule;
import io.alignstream.extractor.sd3.Sd3TextEncoders;
import io.alignstream.extractor.sd3.StableDiffusion3;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figure 4's model-specific half for Stable Diffusion 3 (docs/method.md's SD3 protocol): noise level
 * s to sigma of the 100-step flow-matching schedule, x = (1 - sigma) z0 + sigma eps ({@code
 * scale_noise}), one MMDiT forward per (image, sigma, prompt) at t = 1000 sigma with the three text
 * encoders' states (T5's zero stand-in without T5), and its velocity v = eps - z0 solved for the
 * clean latent: z0 = x - sigma v ({@link FlowMatchSchedule#estimateClean}). Forwards run in
 * batches, halved on device out-of-memory ({@link HalvingBatches}).
 */
final class Sd3OneStep implements OneStepModel {

  private static final String OUT = "out";

  private final StableDiffusion3 sd;

  Sd3OneStep(StableDiffusion3 sd) {
    this.sd = sd;
  }

  @Override
  public LatentDiffusion pipeline() {
    return sd;
  }

  @Override
  public String scheduler() {
    return "FlowMatchEulerDiscreteScheduler";
  }

  @Override
  public String predictionType() {
    return "velocity";
  }

  @Override
  public Boolean t5() {
    return sd.hasT5();
  }

  @Override
  public List<Step> steps(List<Double> noiseLevels, List<Integer> timesteps) {
    List<Step> steps = new ArrayList<>();
    sd.schedule().levelsBySigma(noiseLevels, timesteps).forEach((sigma, levels) ->
        steps.add(new Step(Math.round(sd.schedule().timestepOf(sigma)), levels, null, sigma)));
    return steps;
  }

  @Override
  public NDArray noisy(NDArray z0, NDArray eps, Step step) {
    float[] sigma = new float[(int) z0.getShape().get(0)];
    Arrays.fill(sigma, step.sigma());
    return FlowMatchSchedule.scaleNoise(z0, eps, sigma); // [B, c, h, w]
  }

  @Override
  public float[][] estimates(List<Job> jobs, long[] latentShape, int batch, NDManager base) {
    Map<String, float[][]> text = encodePrompts(jobs.stream().map(Job::prompt).distinct().toList(), base);
    float[][] estimates = new float[jobs.size()][];
    int j = 0;
    for (HalvingBatches.Batch<Job, float[][]> done : new HalvingBatches(batch).run(jobs,
        List.of(latentShape[1], latentShape[2]), batch, chunk -> forward(chunk, text, latentShape, base),
        "SD3 transformer input at latent " + latentShape[1] + " x " + latentShape[2])) {
      for (float[] estimate : done.result()) {
        estimates[j++] = estimate;
      }
    }
    return estimates;
  }

  /** {context [M * width], pooled [width]} per prompt, in one call of the three encoders. */
  private Map<String, float[][]> encodePrompts(List<String> prompts, NDManager base) {
    try (NDManager scope = base.newSubManager()) {
      Sd3TextEncoders.Embedding e = sd.text().encode(prompts, scope);
      float[][] context = Ops.rows(e.context().toType(DataType.FLOAT32, false));
      float[][] pooled = Ops.rows(e.pooled().toType(DataType.FLOAT32, false));
      Map<String, float[][]> out = new LinkedHashMap<>();
      for (int p = 0; p < prompts.size(); p++) {
        out.put(prompts.get(p), new float[][] {context[p], pooled[p]});
      }
      return out;
    }
  }

  /** One transformer forward over a batch of jobs; returns each job's clean-latent estimate. */
  private float[][] forward(List<Job> batch, Map<String, float[][]> text, long[] latentShape, NDManager base) {
    int n = batch.size();
    int per = batch.get(0).z0().length;
    int ctx = text.get(batch.get(0).prompt())[0].length;
    int pooledWidth = text.get(batch.get(0).prompt())[1].length;
    float[] z0 = new float[n * per];
    float[] eps = new float[n * per];
    float[] context = new float[n * ctx];
    float[] pooled = new float[n * pooledWidth];
    float[] sigma = new float[n];
    float[] timesteps = new float[n];
    for (int i = 0; i < n; i++) {
      Job job = batch.get(i);
      float[][] states = text.get(job.prompt());
      System.arraycopy(job.z0(), 0, z0, i * per, per);
      System.arraycopy(job.eps(), 0, eps, i * per, per);
      System.arraycopy(states[0], 0, context, i * ctx, ctx);
      System.arraycopy(states[1], 0, pooled, i * pooledWidth, pooledWidth);
      sigma[i] = job.step().sigma();
      timesteps[i] = sd.schedule().timestepOf(sigma[i]);
    }
    long width = sd.transformer().config().jointAttentionDim();
    try (NDManager scope = base.newSubManager()) {
      Shape latent = new Shape(n, latentShape[0], latentShape[1], latentShape[2]);
      NDArray x = FlowMatchSchedule.scaleNoise(scope.create(z0, latent), scope.create(eps, latent), sigma); // [B, c, h, w]
      NDArray states = scope.create(context, new Shape(n, ctx / width, width)); // [B, M, width]
      NDArray pool = scope.create(pooled, new Shape(n, pooledWidth)); // [B, pooled width]
      float[] velocity = sd.transformer().forward(x, timesteps, states, pool, List.of(OUT), Pooling.NONE).get(OUT)
          .values(); // [B, c, h, w]
      NDArray v = scope.create(velocity, latent).toType(x.getDataType(), false);
      return Ops.rows(FlowMatchSchedule.estimateClean(x, v, sigma).toType(DataType.FLOAT32, false));
    }
  }

  @Override
  public void close() {
    sd.close();
  }
}
