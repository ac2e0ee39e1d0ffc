package io.alignstream.reconstruct;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.Sd3Options;
import io.alignstream.extractor.diffusion.CleanLatents;
import io.alignstream.extractor.diffusion.ConceptPrompt;
import io.alignstream.extractor.diffusion.ImagePreprocessor;
import io.alignstream.extractor.diffusion.InjectedNoise;
import io.alignstream.extractor.diffusion.LatentDiffusion;
import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.vae.VaeDecoder;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The paper's Figure 4, what each noise level means: for each image and noise level, the noisy
 * latent the denoiser sees, decoded, and the image one forward step recovers from it (the one-step
 * estimate of the clean latent from the denoiser's prediction, decoded), without text and with "a
 * photo of a {concept}". What is specific to the model (the schedule, the forward, how its output
 * becomes a clean latent) is behind {@link OneStepModel}: a UNet pipeline's DDPM schedule or SD3's
 * flow matching; everything else is the same for both.
 *
 * <p>The inputs are made exactly as the feature protocol makes them (docs/method.md): the image
 * resized and center-cropped, z0 from the VAE posterior (a sample or its mean), one seeded draw
 * per image for the posterior eps and the diffusion noise, s mapped to the schedule (t for the
 * UNet, sigma for SD3), the noisy latent from z0 and eps; so a row shows what a feature of that
 * noise level was computed from. Images, latents and noise are float32 arrays, row-major: images
 * [3, R, R] in about [-1, 1], latents [c, h, w].
 */
public final class Reconstruction {

  private Reconstruction() {}

  /**
   * One image and the concept its TEXT prompt names.
   *
   * @param name what the outputs call it (a file stem, a dataset image id)
   * @param source where it came from (a path), for the manifest
   */
  public record Input(String name, String source, BufferedImage image, String concept) {
    public Input {
      ConceptPrompt.readable(concept); // a concept with no text left fails here, before any model work
    }
  }

  /**
   * How the inputs are made.
   *
   * @param noiseLevels noise levels in [0, 1], mapped to the schedule (empty when timesteps are given)
   * @param timesteps timesteps run as given, s = t / 1000 (SD3: sigma = t / 1000; empty when noise levels are
   *     given)
   * @param seed seed of each image's draw: the posterior eps, then the diffusion noise
   * @param latent z0 from a posterior sample or the posterior mean
   * @param resolution the image side the model sees
   * @param batch most inputs per denoiser forward and per decoder call
   * @param injectedNoise diffusion noise [images, c, h, w] to use instead of the seeded draw, or null
   */
  public record Settings(List<Double> noiseLevels, List<Integer> timesteps, long seed, LatentMode latent,
      int resolution, int batch, InjectedNoise injectedNoise) {
    public Settings {
      if (noiseLevels.isEmpty() == timesteps.isEmpty()) {
        throw new IllegalArgumentException("give noise levels or timesteps (one of the two)");
      }
      if (batch < 1) {
        throw new IllegalArgumentException("the batch (--unet-batch) must be at least 1, got " + batch);
      }
      noiseLevels = List.copyOf(noiseLevels);
      timesteps = List.copyOf(timesteps);
    }
  }

  /** The one-step estimate under one conditioning: its clean latent and that latent decoded. */
  public record Estimate(Conditioning conditioning, String prompt, float[] latent, float[] image) {}

  /** One step of the schedule: the noisy latent and its decode, and the estimate under each conditioning. */
  public record Row(OneStepModel.Step step, float[] noisyLatent, float[] noisyImage, List<Estimate> estimates) {}

  /**
   * One image: the pixels the model saw, z0, and a row per step.
   *
   * @param latentShape [c, h, w] of every latent
   */
  public record Result(Input input, float[] pixels, long[] latentShape, float[] cleanLatent, List<Row> rows) {}

  private static final List<Conditioning> CONDITIONINGS = List.of(Conditioning.NONE, Conditioning.TEXT);

  /**
   * Loads the model (a UNet pipeline, or SD3 with or without T5 as {@code sd3} says), runs the
   * inputs and writes a reconstruction folder ({@link ReconstructionFolder}).
   *
   * @return the manifest written
   */
  public static ReconstructionManifest toFolder(PipelineReference model, Placement placement, Sd3Options sd3,
      List<Input> inputs, Settings settings, Path dir) {
    try (OneStepModel m = OneStepModel.open(model, placement, sd3)) {
      List<Result> results = run(m, inputs, settings);
      return ReconstructionFolder.write(dir,
          new ReconstructionManifest.Model(model.name(), model.source(), m.scheduler(), m.predictionType(), m.t5()),
          new ReconstructionManifest.Run(settings.resolution(), settings.seed(),
              settings.latent().name().toLowerCase(Locale.ROOT), InjectedNoise.describe(settings.injectedNoise())),
          results);
    }
  }

  /** Runs the VAE, the model's text encoders and denoiser, and the VAE decoder over the inputs. */
  static List<Result> run(OneStepModel model, List<Input> inputs, Settings settings) {
    int n = inputs.size();
    LatentDiffusion pipeline = model.pipeline();
    int side = pipeline.latentSide(settings.resolution());
    long[] latentShape = {pipeline.latentChannels(), side, side};
    List<OneStepModel.Step> steps = model.steps(settings.noiseLevels(), settings.timesteps());
    try (NDManager base = NDManager.newBaseManager(pipeline.placement().device())) {
      // 1. the pixels the model sees, and z0 and the diffusion noise of each image as for a streamed request
      List<BufferedImage> images = inputs.stream().map(Input::image).toList();
      float[][] pixels;
      try (NDManager scope = base.newSubManager()) {
        pixels = Ops.rows(ImagePreprocessor.batch(scope, images, settings.resolution())); // N x [3 * R * R]
      }
      List<float[]> z0 = CleanLatents.once(pipeline, base, images, settings.resolution(), settings.seed(),
          settings.latent());
      List<float[]> eps = InjectedNoise.perImage(settings.injectedNoise(), settings.seed(), n, latentShape,
          settings.resolution());

      // 2. the one-step estimate for each (image, step, conditioning), image-major
      List<OneStepModel.Job> jobs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        for (OneStepModel.Step step : steps) {
          for (Conditioning c : CONDITIONINGS) {
            String prompt = c == Conditioning.TEXT ? ConceptPrompt.of(inputs.get(i).concept()) : ConceptPrompt.NONE;
            jobs.add(new OneStepModel.Job(z0.get(i), eps.get(i), step, prompt));
          }
        }
      }
      float[][] estimates = model.estimates(jobs, latentShape, settings.batch(), base);

      // 3. x_t per (image, step), the expression the forwards saw; then every latent decoded
      float[][] noisy = new float[n * steps.size()][];
      for (int k = 0; k < noisy.length; k++) {
        try (NDManager scope = base.newSubManager()) {
          OneStepModel.Job job = jobs.get(k * CONDITIONINGS.size()); // the NONE job of that image and step
          noisy[k] = model.noisy(scope.create(job.z0(), shape(1, latentShape)),
              scope.create(job.eps(), shape(1, latentShape)), job.step()).toFloatArray();
        }
      }
      float[][] noisyImages = decode(pipeline.decoder(), noisy, latentShape, settings.batch(), base);
      float[][] estimateImages = decode(pipeline.decoder(), estimates, latentShape, settings.batch(), base);

      List<Result> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < steps.size(); r++) {
          int k = i * steps.size() + r;
          List<Estimate> perConditioning = new ArrayList<>();
          for (int c = 0; c < CONDITIONINGS.size(); c++) {
            int j = k * CONDITIONINGS.size() + c;
            perConditioning.add(new Estimate(CONDITIONINGS.get(c), jobs.get(j).prompt(), estimates[j],
                estimateImages[j]));
          }
          rows.add(new Row(steps.get(r), noisy[k], noisyImages[k], perConditioning));
        }
        results.add(new Result(inputs.get(i), pixels[i], latentShape, z0.get(i), rows));
      }
      return results;
    }
  }

  /** The decoder's image of each latent, at most {@code batch} per decoder call. */
  private static float[][] decode(VaeDecoder decoder, float[][] latents, long[] latentShape, int batch,
      NDManager base) {
    int per = latents[0].length;
    float[][] images = new float[latents.length][];
    for (int from = 0; from < latents.length; from += batch) {
      int count = Math.min(batch, latents.length - from);
      float[] chunk = new float[count * per];
      for (int k = 0; k < count; k++) {
        System.arraycopy(latents[from + k], 0, chunk, k * per, per);
      }
      try (NDManager scope = base.newSubManager()) {
        float[][] decoded = Ops.rows(decoder.decodeLatents(scope.create(chunk, shape(count, latentShape))));
        System.arraycopy(decoded, 0, images, from, count);
      }
    }
    return images;
  }

  private static Shape shape(int batch, long[] item) {
    return new Shape(batch, item[0], item[1], item[2]);
  }
}
