package io.alignstream.reconstruct;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.diffusion.ClipTextEncoder;
import io.alignstream.extractor.diffusion.ConceptPrompt;
import io.alignstream.extractor.diffusion.ImageNoise;
import io.alignstream.extractor.diffusion.ImagePreprocessor;
import io.alignstream.extractor.diffusion.InjectedNoise;
import io.alignstream.extractor.diffusion.NoiseSchedule;
import io.alignstream.extractor.diffusion.Ops;
import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.Placement;
import io.alignstream.extractor.diffusion.Pooling;
import io.alignstream.extractor.diffusion.Posterior;
import io.alignstream.extractor.diffusion.StableDiffusion;
import io.alignstream.extractor.diffusion.UNetBatcher;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's Figure 4, what each noise level means: for each image and noise level, the noisy
 * latent x_t the UNet sees, decoded, and the image one forward step recovers from it (the
 * one-step estimate of the clean latent from the UNet's prediction, {@link
 * NoiseSchedule#estimateClean}, decoded), without text and with "a photo of a {concept}".
 *
 * <p>The inputs are made exactly as the feature protocol makes them (docs/method.md): the image
 * resized and center-cropped, z0 from the VAE posterior (a sample or its mean), one seeded draw
 * per image for the posterior eps and the diffusion noise, s mapped to t, x_t = sqrt(abar_t) z0 +
 * sqrt(1 - abar_t) eps; so a row shows what a feature of that noise level was computed from.
 * Images, latents and noise are float32 arrays, row-major: images [3, R, R] in about [-1, 1],
 * latents [c, h, w].
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
   * @param noiseLevels noise levels in [0, 1], mapped to timesteps (empty when timesteps are given)
   * @param timesteps timesteps run as given, s = t / 1000 (empty when noise levels are given)
   * @param seed seed of each image's draw: the posterior eps, then the diffusion noise
   * @param latent z0 from a posterior sample or the posterior mean
   * @param resolution the image side the model sees
   * @param batch most inputs per UNet forward and per decoder call
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

  /** One timestep: the noisy latent and its decode, and the estimate under each conditioning. */
  public record Row(int timestep, List<Double> noiseLevels, float alphaCumprod, float[] noisyLatent,
      float[] noisyImage, List<Estimate> estimates) {}

  /**
   * One image: the pixels the model saw, z0, and a row per timestep.
   *
   * @param latentShape [c, h, w] of every latent
   */
  public record Result(Input input, float[] pixels, long[] latentShape, float[] cleanLatent, List<Row> rows) {}

  private static final List<Conditioning> CONDITIONINGS = List.of(Conditioning.NONE, Conditioning.TEXT);

  /**
   * Loads the model, runs the inputs and writes a reconstruction folder ({@link ReconstructionFolder}).
   *
   * @return the manifest written
   */
  public static ReconstructionManifest toFolder(PipelineReference model, Placement placement, List<Input> inputs,
      Settings settings, Path dir) {
    try (StableDiffusion sd = model.open(placement)) {
      List<Result> results = run(sd, inputs, settings);
      return ReconstructionFolder.write(dir,
          new ReconstructionManifest.Model(model.name(), model.source(), sd.scheduler(),
              sd.schedule().prediction().configName()),
          new ReconstructionManifest.Run(settings.resolution(), settings.seed(),
              settings.latent().name().toLowerCase(Locale.ROOT), InjectedNoise.describe(settings.injectedNoise())),
          results);
    }
  }

  /** Runs the VAE, text encoder, UNet and VAE decoder of {@code sd} over the inputs. */
  public static List<Result> run(StableDiffusion sd, List<Input> inputs, Settings settings) {
    int n = inputs.size();
    int side = sd.latentSide(settings.resolution());
    int per = sd.latentChannels() * side * side;
    long[] latentShape = {sd.latentChannels(), side, side};
    Map<Integer, List<Double>> levels = sd.schedule().levelsByTimestep(settings.noiseLevels(), settings.timesteps());
    List<Integer> timesteps = List.copyOf(levels.keySet());
    try (NDManager base = NDManager.newBaseManager(sd.placement().device())) {
      // 1. the pixels the model sees, z0, and each image's diffusion noise
      float[] injected = settings.injectedNoise() == null ? null
          : settings.injectedNoise().read(new long[] {n, latentShape[0], side, side}, settings.resolution());
      float[][] eps = new float[n][];
      float[] posteriorEps = new float[n * per];
      for (int i = 0; i < n; i++) {
        ImageNoise draw = ImageNoise.draw(settings.seed(), per);
        System.arraycopy(draw.posterior(), 0, posteriorEps, i * per, per);
        eps[i] = injected == null ? draw.diffusion() : Arrays.copyOfRange(injected, i * per, (i + 1) * per);
      }
      float[][] pixels;
      float[][] z0;
      try (NDManager scope = base.newSubManager()) {
        NDArray px = ImagePreprocessor.batch(scope, inputs.stream().map(Input::image).toList(),
            settings.resolution()); // [N, 3, R, R]
        pixels = Ops.rows(px);
        Posterior posterior = sd.vae().encode(px); // [N, c, h, w] mean, std
        NDArray sample = settings.latent() == LatentMode.MEAN ? null
            : scope.create(posteriorEps, shape(n, latentShape)).toDevice(posterior.mean().getDevice(), false);
        z0 = Ops.rows(sd.vae().latents(posterior, sample)); // N x [c * h * w]
      }

      // 2. text states: the empty prompt and each image's "a photo of a {concept}"
      Map<String, float[]> states = new LinkedHashMap<>();
      states.put(ConceptPrompt.NONE, null);
      inputs.forEach(in -> states.put(ConceptPrompt.of(in.concept()), null));
      long[] contextShape = encodePrompts(sd, states, base); // [tokens, width]

      // 3. the UNet's prediction for each (image, timestep, conditioning), image-major
      List<UNetBatcher.Job> jobs = new ArrayList<>();
      List<String> prompts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        for (int t : timesteps) {
          for (Conditioning c : CONDITIONINGS) {
            String prompt = c == Conditioning.TEXT ? ConceptPrompt.of(inputs.get(i).concept()) : ConceptPrompt.NONE;
            prompts.add(prompt);
            jobs.add(new UNetBatcher.Job(z0[i], eps[i], t, states.get(prompt)));
          }
        }
      }
      UNetBatcher unet = new UNetBatcher(sd.unet(), sd.schedule(), List.of("out"), Pooling.NONE, settings.batch(), 0,
          base);
      List<Map<String, float[]>> predictions = unet.run(jobs, latentShape, contextShape).values();

      // 4. x_t per (image, timestep) and the estimate per job; then every latent decoded
      float[][] noisy = new float[n * timesteps.size()][];
      float[][] estimates = new float[jobs.size()][];
      try (NDManager scope = base.newSubManager()) {
        for (int k = 0; k < noisy.length; k++) {
          UNetBatcher.Job job = jobs.get(k * CONDITIONINGS.size()); // the NONE job of that image and timestep
          noisy[k] = noise(sd.schedule(), scope, job, latentShape).toFloatArray();
        }
        for (int j = 0; j < jobs.size(); j++) {
          NDArray xt = scope.create(noisy[j / CONDITIONINGS.size()], shape(1, latentShape)); // [1, c, h, w]
          NDArray prediction = scope.create(predictions.get(j).get("out"), shape(1, latentShape)); // [1, c, h, w]
          estimates[j] = sd.schedule().estimateClean(xt, prediction, new int[] {jobs.get(j).timestep()})
              .toFloatArray();
        }
      }
      float[][] noisyImages = decode(sd, noisy, latentShape, settings.batch(), base);
      float[][] estimateImages = decode(sd, estimates, latentShape, settings.batch(), base);

      List<Result> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < timesteps.size(); r++) {
          int t = timesteps.get(r);
          int k = i * timesteps.size() + r;
          List<Estimate> perConditioning = new ArrayList<>();
          for (int c = 0; c < CONDITIONINGS.size(); c++) {
            int j = k * CONDITIONINGS.size() + c;
            perConditioning.add(new Estimate(CONDITIONINGS.get(c), prompts.get(j), estimates[j], estimateImages[j]));
          }
          rows.add(new Row(t, levels.get(t), sd.schedule().alphaCumprod(t), noisy[k], noisyImages[k], perConditioning));
        }
        results.add(new Result(inputs.get(i), pixels[i], latentShape, z0[i], rows));
      }
      return results;
    }
  }

  /** Encodes each prompt (the map's keys) into the map's values; returns one state's shape [tokens, width]. */
  private static long[] encodePrompts(StableDiffusion sd, Map<String, float[]> states, NDManager base) {
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

  /** x_t of one job, [1, c, h, w]: the expression the UNet batch computed for it. */
  private static NDArray noise(NoiseSchedule schedule, NDManager scope, UNetBatcher.Job job, long[] latentShape) {
    return schedule.addNoise(scope.create(job.z0(), shape(1, latentShape)),
        scope.create(job.eps(), shape(1, latentShape)), new int[] {job.timestep()});
  }

  /** The decoder's image of each UNet latent, at most {@code batch} per decoder call. */
  private static float[][] decode(StableDiffusion sd, float[][] latents, long[] latentShape, int batch, NDManager base) {
    int per = latents[0].length;
    float[][] images = new float[latents.length][];
    for (int from = 0; from < latents.length; from += batch) {
      int count = Math.min(batch, latents.length - from);
      float[] chunk = new float[count * per];
      for (int k = 0; k < count; k++) {
        System.arraycopy(latents[from + k], 0, chunk, k * per, per);
      }
      try (NDManager scope = base.newSubManager()) {
        float[][] decoded = Ops.rows(sd.decoder().decodeLatents(scope.create(chunk, shape(count, latentShape))));
        System.arraycopy(decoded, 0, images, from, count);
      }
    }
    return images;
  }

  private static Shape shape(int batch, long[] item) {
    return new Shape(batch, item[0], item[1], item[2]);
  }
}
