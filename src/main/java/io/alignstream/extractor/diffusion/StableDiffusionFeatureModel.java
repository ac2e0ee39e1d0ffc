package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import io.alignstream.extractor.Feature;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelInfo;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.unet.Tap;
import io.alignstream.extractor.diffusion.unet.TapGeometry;
import io.alignstream.extractor.diffusion.unet.Taps;
import io.alignstream.extractor.diffusion.unet.UNetConfig;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import io.alignstream.schema.Conditioning;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Stable Diffusion feature model of docs/method.md's "Diffusion feature protocol": for each image,
 * each noise level and each conditioning, the pooled output of each tapped UNet module.
 *
 * <p>Per image: the image is resized and center-cropped to the request's resolution; the VAE
 * gives z0 = scaling_factor x (a posterior sample, or its mean); one seeded draw per image
 * ({@link ImageNoise}) supplies the posterior eps and the diffusion noise eps shared by every
 * layer, noise level and conditioning; noise level s maps to timestep t ({@link
 * NoiseSchedule#timestepFor}) unless the request gives timesteps (then s = t / 1000 is
 * recorded); x_t = sqrt(abar_t) z0 + sqrt(1 - abar_t) eps; the UNet sees x_t, t and the CLIP
 * states of "a photo of a {concept}" (TEXT) or of the empty prompt (NONE).
 *
 * <p>Work is shared as far as it can be: the VAE runs once per image (and its latents are
 * cached across requests), the text encoder once per distinct prompt (cached), noise levels
 * that map to one timestep share a forward, and the UNet runs (image x timestep x
 * conditioning) inputs in batches of up to {@code unetBatch}, stopping after the deepest tap.
 * Each VAE, text and UNet call runs in an NDManager scope of its own.
 */
public final class StableDiffusionFeatureModel implements FeatureModel {

  /** Resolution at which the model card states flattened layer lengths (docs/method.md's default). */
  public static final int NOMINAL_RESOLUTION = 512;

  private final String modelId;
  private final String source;
  private final StableDiffusion sd;
  private final List<Tap> taps;
  private final Pooling pooling;
  private final ModelOptions options;
  private final NDManager base;
  private final CleanLatents latents;
  private final PromptStates prompts;
  private final UNetBatcher batcher;
  private final ModelOrigin origin;
  private final ModelInfo info;

  /**
   * Wraps loaded pipeline parts; the model owns (and closes) them from now on.
   *
   * @param source what the model card names as the source, e.g. the folder or "builtin:tiny"
   * @throws IllegalArgumentException for unknown taps or pooling
   */
  public StableDiffusionFeatureModel(StableDiffusion sd, String modelId, String source, ModelOptions options) {
    this(sd, modelId, source, ModelOrigin.of("builtin", source), options);
  }

  /**
   * Wraps loaded pipeline parts with where their weights came from; the model owns (and closes)
   * them from now on.
   *
   * @throws IllegalArgumentException for unknown taps or pooling
   */
  public StableDiffusionFeatureModel(StableDiffusion sd, String modelId, String source, ModelOrigin origin,
      ModelOptions options) {
    this.origin = origin;
    this.modelId = modelId;
    this.source = source;
    this.sd = sd;
    this.options = options;
    this.taps = parseTaps(options.taps(), sd.unet().config());
    this.pooling = Pooling.parse(options.pooling());
    if (pooling == Pooling.NONE) {
      throw new IllegalArgumentException("pooling 'none' gives maps, not vectors; the feature model pools with "
          + "mean, max or flatten");
    }
    this.base = NDManager.newBaseManager(sd.placement().device());
    this.latents = new CleanLatents(sd, base, options.unetBatch(), options.latentCache());
    this.prompts = new PromptStates(sd.tokenizer(), sd.textEncoder(), base, options.textCache());
    this.batcher = new UNetBatcher(sd.unet(), sd.schedule(), taps.stream().map(Tap::path).toList(), pooling,
        options.unetBatch(), options.deviceMemoryLimit(), base);
    this.info = describe();
  }

  /**
   * Opens a diffusers pipeline folder with the options' device and dtype.
   *
   * @throws IllegalArgumentException for a device the engine cannot see, float16 on the CPU,
   *     unknown taps or pooling; {@link io.alignstream.extractor.diffusion.checkpoint.CheckpointException} for an unusable folder
   */
  public static StableDiffusionFeatureModel open(Path pipelineDir, String modelId, String source, ModelOptions options) {
    Placement placement = Placement.parse(options.device(), options.dtype());
    StableDiffusion sd = StableDiffusion.open(PipelineFolder.open(pipelineDir), placement);
    try {
      return new StableDiffusionFeatureModel(sd, modelId, source, options);
    } catch (RuntimeException e) {
      sd.close();
      throw e;
    }
  }

  /**
   * Opens a resolved --model reference with the options' device and dtype.
   *
   * @throws IllegalArgumentException for a device the engine cannot see, float16 on the CPU,
   *     unknown taps or pooling; {@link io.alignstream.extractor.diffusion.checkpoint.CheckpointException} for an unusable checkpoint
   */
  public static StableDiffusionFeatureModel open(PipelineReference reference, String modelId, ModelOptions options) {
    StableDiffusion sd = reference.open(Placement.parse(options.device(), options.dtype()));
    try {
      return new StableDiffusionFeatureModel(sd, modelId, reference.source(), reference.origin(), options);
    } catch (RuntimeException e) {
      sd.close();
      throw e;
    }
  }

  /**
   * Parses a tap list: "default" (the paper's nine layers Down0..Up3), "all" (every block
   * output and every resnet, attention and resampler inside, plus conv_in and out), layer names
   * and module paths, comma-separated.
   */
  public static List<Tap> parseTaps(String spec, UNetConfig config) {
    List<String> items = new ArrayList<>();
    for (String item : spec.split(",")) {
      items.add(item.trim().equalsIgnoreCase("default") ? "paper" : item.trim());
    }
    return Taps.parse(String.join(",", items), config);
  }

  private ModelInfo describe() {
    UNetConfig config = sd.unet().config();
    int nominalSide = NOMINAL_RESOLUTION % sd.resolutionMultiple() == 0 ? sd.latentSide(NOMINAL_RESOLUTION) : 0;
    List<ModelInfo.Layer> layers = new ArrayList<>();
    for (Tap t : taps) {
      layers.add(new ModelInfo.Layer(t.name(), t.path(), TapGeometry.of(config, t.path()).pooledLength(pooling,
          nominalSide)));
    }
    Map<String, String> p = DiffusionModelCard.protocol(sd, sd.scheduler() + " betas; noise level s -> t = 10 "
        + "floor(100 s) - 9 (DDIM 100 steps, leading, steps_offset 1), clamped to [0, "
        + (sd.schedule().trainTimesteps() - 1) + "]; explicit timesteps record s = t / 1000", taps,
        pooling.name().toLowerCase(java.util.Locale.ROOT), options, "CLIP states of the empty prompt");
    p.put("latent_cache", String.valueOf(options.latentCache()));
    p.put("text_cache", String.valueOf(options.textCache()));
    p.put("unet_parameters", String.valueOf(sd.unet().parameters()));
    if (pooling == Pooling.FLATTEN) {
      p.put("flatten_dims_at_resolution", String.valueOf(NOMINAL_RESOLUTION));
    }
    return DiffusionModelCard.of(sd, modelId, source, origin, layers, p);
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  /** The loaded pipeline parts (read-only use: the model owns them). */
  public StableDiffusion pipeline() {
    return sd;
  }

  public List<Tap> taps() {
    return taps;
  }

  /** One (image, timestep, conditioning) input and the noise levels that map to its timestep. */
  private record Planned(int image, int timestep, List<Double> noiseLevels, Conditioning conditioning, String prompt,
      int resolution) {}

  @Override
  public synchronized List<Feature> extract(List<ImageInput> images) {
    List<Planned> plan = new ArrayList<>();
    List<CleanLatents.Request> latentRequests = new ArrayList<>();
    Set<String> promptSet = new LinkedHashSet<>();
    for (int i = 0; i < images.size(); i++) {
      ImageInput in = images.get(i);
      sd.latentSide(in.resolution()); // validates the resolution before any work
      // the settings obey RequestRules: the extractor checks every request before it gets here
      Map<Integer, List<Double>> byTimestep = sd.schedule().levelsByTimestep(in.noiseLevels(), in.timesteps());
      latentRequests.add(new CleanLatents.Request(in.image(), CleanLatents.digest(in.image()), in.resolution(),
          in.seed(), in.latent()));
      for (Map.Entry<Integer, List<Double>> e : byTimestep.entrySet()) {
        for (Conditioning c : new LinkedHashSet<>(in.conditionings())) {
          String prompt = c == Conditioning.TEXT ? ConceptPrompt.of(in.concept()) : ConceptPrompt.NONE;
          promptSet.add(prompt);
          plan.add(new Planned(i, e.getKey(), e.getValue(), c, prompt, in.resolution()));
        }
      }
    }
    List<float[]> z0 = latents.latentsFor(latentRequests);
    Map<String, float[]> states = prompts.statesFor(promptSet);
    float[][] eps = new float[images.size()][];
    for (int i = 0; i < images.size(); i++) {
      eps[i] = ImageNoise.draw(images.get(i).seed(), z0.get(i).length).diffusion();
    }

    // Inputs of one latent size batch together, whichever image, noise level or conditioning they serve.
    Map<Integer, List<Integer>> byResolution = new LinkedHashMap<>();
    for (int k = 0; k < plan.size(); k++) {
      byResolution.computeIfAbsent(plan.get(k).resolution(), r -> new ArrayList<>()).add(k);
    }
    List<Map<String, float[]>> results = new ArrayList<>(java.util.Collections.nCopies(plan.size(), null));
    for (Map.Entry<Integer, List<Integer>> group : byResolution.entrySet()) {
      int side = sd.latentSide(group.getKey());
      List<UNetBatcher.Job> jobs = new ArrayList<>();
      for (int k : group.getValue()) {
        Planned p = plan.get(k);
        jobs.add(new UNetBatcher.Job(z0.get(p.image()), eps[p.image()], p.timestep(), states.get(p.prompt())));
      }
      UNetBatcher.Result r = batcher.run(jobs, new long[] {sd.latentChannels(), side, side}, prompts.shape());
      for (int j = 0; j < jobs.size(); j++) {
        results.set(group.getValue().get(j), r.values().get(j));
      }
    }

    List<Feature> features = new ArrayList<>();
    for (int k = 0; k < plan.size(); k++) {
      Planned p = plan.get(k);
      for (double s : p.noiseLevels()) {
        for (Tap tap : taps) {
          features.add(new Feature(p.image(), tap.name(), s, p.timestep(), p.conditioning(), p.prompt(),
              results.get(k).get(tap.path())));
        }
      }
    }
    return features;
  }

  /** Images the VAE has encoded (cache misses); a repeated image adds nothing. */
  public long vaeImagesEncoded() {
    return latents.imagesEncoded();
  }

  /** VAE forward calls. */
  public long vaeCalls() {
    return latents.encoderCalls();
  }

  /** Prompts the text encoder has encoded (cache misses). */
  public long promptsEncoded() {
    return prompts.promptsEncoded();
  }

  /** Text-encoder forward calls. */
  public long textEncoderCalls() {
    return prompts.encoderCalls();
  }

  /** The UNet batch used at a latent side: --unet-batch, capped by the attention memory budget. */
  public int effectiveUnetBatch(int latentSide) {
    return batcher.effectiveBatch(latentSide, latentSide);
  }

  /** UNet forward calls. */
  public long unetForwards() {
    return batcher.forwards();
  }

  /** Times a UNet batch was halved because it ran out of device memory. */
  public long unetHalvings() {
    return batcher.halvings();
  }

  /** UNet inputs run (the sum of the forwards' batch sizes). */
  public long unetSamples() {
    return batcher.samples();
  }

  /**
   * NDArrays alive in the model's managers beyond the weights: 0 between calls when every
   * scope is closed. A growing number means native memory is leaking.
   */
  public long liveArrays() {
    long n = managed(base);
    for (WeightStore w : List.of(sd.unetWeights(), sd.vae().weights(), sd.textEncoder().weights())) {
      n += managed(w.manager()) - w.loadedNames().size();
    }
    return n;
  }

  private static long managed(NDManager manager) {
    return manager instanceof BaseNDManager ? ((BaseNDManager) manager).getManagedArrays().size() : 0;
  }

  @Override
  public synchronized void close() {
    base.close();
    sd.close();
  }
}
