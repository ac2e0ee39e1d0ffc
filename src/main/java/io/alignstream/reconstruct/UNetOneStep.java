package io.alignstream.reconstruct;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.LatentDiffusion;
import io.alignstream.extractor.diffusion.StableDiffusion;
import io.alignstream.extractor.diffusion.UNetBatcher;
import io.alignstream.extractor.diffusion.text.ClipTextEncoder;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Pooling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figure 4's model-specific half for SD 1.x / 2.x: the checkpoint's DDPM schedule (noise level s
 * to timestep t, {@code add_noise}), one UNet forward per (image, t, prompt) in batches
 * ({@link UNetBatcher}), and its output solved for the clean latent as the scheduler config's
 * prediction type says ({@code NoiseSchedule.estimateClean}).
 */
final class UNetOneStep implements OneStepModel {

  private final StableDiffusion sd;

  UNetOneStep(StableDiffusion sd) {
    this.sd = sd;
  }

  @Override
  public LatentDiffusion pipeline() {
    return sd;
  }

  @Override
  public String scheduler() {
    return sd.scheduler();
  }

  @Override
  public String predictionType() {
    return sd.schedule().prediction().configName();
  }

  @Override
  public Boolean t5() {
    return null;
  }

  @Override
  public List<Step> steps(List<Double> noiseLevels, List<Integer> timesteps) {
    List<Step> steps = new ArrayList<>();
    sd.schedule().levelsByTimestep(noiseLevels, timesteps).forEach((t, levels) ->
        steps.add(new Step(t, levels, sd.schedule().alphaCumprod(t), null)));
    return steps;
  }

  @Override
  public NDArray noisy(NDArray z0, NDArray eps, Step step) {
    int[] t = new int[(int) z0.getShape().get(0)];
    Arrays.fill(t, step.timestep());
    return sd.schedule().addNoise(z0, eps, t); // [B, c, h, w]
  }

  @Override
  public float[][] estimates(List<Job> jobs, long[] latentShape, int batch, NDManager base) {
    Map<String, float[]> states = new LinkedHashMap<>();
    jobs.forEach(j -> states.put(j.prompt(), null));
    long[] contextShape = encodePrompts(states, base); // [tokens, width]
    List<UNetBatcher.Job> inputs = jobs.stream()
        .map(j -> new UNetBatcher.Job(j.z0(), j.eps(), j.step().timestep(), states.get(j.prompt()))).toList();
    UNetBatcher unet = new UNetBatcher(sd.unet(), sd.schedule(), List.of("out"), Pooling.NONE, batch, 0, base);
    List<Map<String, float[]>> predictions = unet.run(inputs, latentShape, contextShape).values();
    float[][] estimates = new float[jobs.size()][];
    Shape one = new Shape(1, latentShape[0], latentShape[1], latentShape[2]);
    for (int j = 0; j < jobs.size(); j++) {
      try (NDManager scope = base.newSubManager()) {
        Job job = jobs.get(j);
        NDArray xt = noisy(scope.create(job.z0(), one), scope.create(job.eps(), one), job.step()); // [1, c, h, w]
        NDArray prediction = scope.create(predictions.get(j).get("out"), one); // [1, c, h, w]
        estimates[j] = sd.schedule().estimateClean(xt, prediction, new int[] {job.step().timestep()}).toFloatArray();
      }
    }
    return estimates;
  }

  /** Encodes each prompt (the map's keys) into the map's values; returns one state's shape [tokens, width]. */
  private long[] encodePrompts(Map<String, float[]> states, NDManager base) {
    List<String> prompts = List.copyOf(states.keySet());
    long[][] ids = new long[prompts.size()][];
    for (int p = 0; p < ids.length; p++) {
      ids[p] = sd.tokenizer().encode(prompts.get(p));
    }
    try (NDManager scope = base.newSubManager()) {
      NDArray text = sd.textEncoder().encode(ClipTextEncoder.ids(scope, ids)).toType(DataType.FLOAT32, false);
      float[][] rows = Ops.rows(text); // P x [tokens * width]
      for (int p = 0; p < rows.length; p++) {
        states.put(prompts.get(p), rows[p]);
      }
      return new long[] {text.getShape().get(1), text.getShape().get(2)};
    }
  }

  @Override
  public void close() {
    sd.close();
  }
}
