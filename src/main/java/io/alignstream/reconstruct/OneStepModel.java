package io.alignstream.reconstruct;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.alignstream.extractor.Sd3Options;
import io.alignstream.extractor.diffusion.LatentDiffusion;
import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.sd3.StableDiffusion3;
import java.util.List;

/**
 * The model-specific half of Figure 4 ({@link Reconstruction} does the rest: images, latents, noise,
 * decoding, files): where a noise level puts the noisy latent, what the denoiser predicts there,
 * and the clean latent that prediction implies (docs/method.md). Two kinds of pipeline:
 * <ul>
 *   <li>{@link UNetOneStep}, SD 1.x / 2.x: the DDPM schedule, x_t = sqrt(abar_t) z0 + sqrt(1 - abar_t)
 *       eps, the UNet's noise (or v) solved for z0;</li>
 *   <li>{@link Sd3OneStep}, Stable Diffusion 3: flow matching, x = (1 - sigma) z0 + sigma eps, the
 *       MMDiT's velocity v = eps - z0, so z0 = x - sigma v.</li>
 * </ul>
 */
interface OneStepModel extends AutoCloseable {

  /**
   * One row of the figure: a point of the schedule and the noise levels that map to it.
   *
   * @param timestep what files and records call the row: the UNet's t, or SD3's 1000 sigma rounded
   * @param alphaCumprod the UNet schedule's abar_t (the share of signal variance in x_t), or null
   * @param sigma the flow-matching sigma (the share of noise in x), or null
   */
  record Step(int timestep, List<Double> noiseLevels, Float alphaCumprod, Float sigma) {}

  /**
   * One forward: an image's clean latent and noise [c * h * w], the step, and the prompt.
   */
  record Job(float[] z0, float[] eps, Step step, String prompt) {}

  /** The pipeline a reference names: SD3 when its model_index.json lists a transformer and no UNet. */
  static OneStepModel open(PipelineReference reference, Placement placement, Sd3Options sd3) {
    if (StableDiffusion3.isSd3(reference)) {
      return new Sd3OneStep(StableDiffusion3.open(reference.pipeline(), placement, sd3.t5()));
    }
    return new UNetOneStep(reference.open(placement));
  }

  /** The scheduler class of the pipeline, for the manifest. */
  String scheduler();

  /** How the denoiser's output is read: epsilon, v_prediction or sample (the UNet's config), velocity (SD3). */
  String predictionType();

  /** Whether SD3's T5 encoder ran (false: diffusers' zero stand-in); null for a UNet pipeline. */
  Boolean t5();

  /** The pipeline: its VAE, latent geometry and device. */
  LatentDiffusion pipeline();

  /** The rows a request runs, in request order: noise levels that map to one point share it. */
  List<Step> steps(List<Double> noiseLevels, List<Integer> timesteps);

  /**
   * The noisy latents at one step.
   *
   * @param z0 clean latents [B, c, h, w]
   * @param eps noise, same shape
   * @return [B, c, h, w] in z0's manager
   */
  NDArray noisy(NDArray z0, NDArray eps, Step step);

  /**
   * The one-step estimate of the clean latent of each job: the denoiser's prediction at the job's
   * noisy latent (the expression of {@link #noisy}) under its prompt, solved for z0.
   *
   * @param latentShape [c, h, w] of every job
   * @param batch most jobs per forward
   * @param base manager the forwards' scopes open under; the caller owns it
   * @return per job, in order, the estimate [c * h * w]
   */
  float[][] estimates(List<Job> jobs, long[] latentShape, int batch, NDManager base);

  @Override
  void close();
}
