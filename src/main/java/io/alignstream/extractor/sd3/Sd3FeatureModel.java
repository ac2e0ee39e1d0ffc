package io.alignstream.extractor.sd3;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.alignstream.extractor.Feature;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelInfo;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.diffusion.CleanLatents;
import io.alignstream.extractor.diffusion.ConceptPrompt;
import io.alignstream.extractor.diffusion.DiffusionModelCard;
import io.alignstream.extractor.diffusion.ImageNoise;
import io.alignstream.extractor.diffusion.LruCache;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.WeightStore;
import io.alignstream.extractor.diffusion.unet.Tap;
import io.alignstream.extractor.diffusion.unet.TapValue;
import io.alignstream.extractor.diffusion.unet.UNetOutput;
import io.alignstream.extractor.nn.DeviceOutOfMemoryException;
import io.alignstream.extractor.nn.HalvingBatches;
import io.alignstream.extractor.nn.Ops;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.extractor.nn.Pooling;
import io.alignstream.schema.Conditioning;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Stable Diffusion 3 feature model of docs/method.md's SD3 protocol: for each image, noise
 * level and conditioning, the token-pooled output of each tapped transformer block.
 *
 * <p>Per image: preprocessing and z0 as for the UNet (the VAE runs once per image, latents are
 * cached); noise level s maps to sigma = sigmas[int(100 - 100 s)] of the 100-step flow-matching
 * schedule (levels with one start index share a forward); x = sigma eps + (1 - sigma) z0 with the
 * image's one seeded noise draw; the transformer sees x, t = 1000 sigma and the three encoders'
 * states of "a photo of a {concept}" (TEXT) or "" (NONE), encoded once per prompt (cached).
 * Transformer inputs of one latent size run in batches of up to {@code unetBatch}, halved on
 * device out-of-memory ({@link HalvingBatches}), each forward stopping after the deepest tap.
 */
public final class Sd3FeatureModel implements FeatureModel {

  /** Resolution at which the model card states flattened layer lengths. */
  public static final int NOMINAL_RESOLUTION = 512;
  /** Most bytes of joint-attention scores and weights one batch may hold (as the UNet's budget). */
  public static final long ATTENTION_BUDGET_BYTES = 4L << 30;

  private final StableDiffusion3 sd;
  private final List<Tap> taps;
  private final Pooling pooling;
  private final ModelOptions options;
  private final NDManager base;
  private final CleanLatents latents;
  private final LruCache<String, float[][]> prompts;
  private final HalvingBatches batches;
  private final ModelInfo info;
  private long promptsEncoded;

  /**
   * Wraps loaded pipeline parts; the model owns (and closes) them from now on.
   *
   * @throws IllegalArgumentException for unknown taps or pooling
   */
  public Sd3FeatureModel(StableDiffusion3 sd, String modelId, String source, ModelOrigin origin, ModelOptions options) {
    this.sd = sd;
    this.options = options;
    this.taps = Sd3Taps.parse(options.taps(), sd.transformer().config());
    this.pooling = Pooling.parse(options.pooling());
    if (pooling == Pooling.NONE) {
      throw new IllegalArgumentException("pooling 'none' gives token maps, not vectors; the feature model pools with "
          + "mean, max or flatten");
    }
    this.base = NDManager.newBaseManager(sd.placement().device());
    this.latents = new CleanLatents(sd, base, options.unetBatch(), options.latentCache());
    this.prompts = new LruCache<>(options.textCache());
    this.batches = new HalvingBatches(options.unetBatch());
    this.info = describe(modelId, source, origin);
  }

  /**
   * Opens a diffusers SD3 pipeline folder with the options' device, dtype and T5 choice.
   *
   * @throws IllegalArgumentException for a device the engine cannot see, float16 on the CPU, unknown taps or
   *     pooling; {@link io.alignstream.extractor.diffusion.checkpoint.CheckpointException} for an unusable folder
   */
  public static Sd3FeatureModel open(PipelineFolder pipeline, String modelId, String source, ModelOrigin origin,
      ModelOptions options) {
    StableDiffusion3 sd = StableDiffusion3.open(pipeline, Placement.parse(options.device(), options.dtype()),
        options.sd3().t5());
    try {
      return new Sd3FeatureModel(sd, modelId, source, origin, options);
    } catch (RuntimeException e) {
      sd.close();
      throw e;
    }
  }

  private ModelInfo describe(String modelId, String source, ModelOrigin origin) {
    Sd3TransformerConfig c = sd.transformer().config();
    // flattened lengths at the nominal resolution where the model takes it (0 where it does not: a tiny test model)
    int side = NOMINAL_RESOLUTION % sd.resolutionMultiple() == 0
        && NOMINAL_RESOLUTION / sd.resolutionMultiple() <= c.posEmbedMaxSize() ? sd.latentSide(NOMINAL_RESOLUTION) : 0;
    long imageTokens = (long) (side / c.patchSize()) * (side / c.patchSize());
    List<ModelInfo.Layer> layers = new ArrayList<>();
    for (Tap t : taps) {
      boolean flat = pooling == Pooling.FLATTEN;
      long dim = switch (t.path()) {
        case "out" -> flat ? (long) c.outChannels() * side * side : c.outChannels();
        case "time_text_embed" -> c.innerDim();
        default -> flat ? (t.path().endsWith("context") || t.path().equals("context_embedder")
            ? sd.text().contextTokens() : imageTokens) * c.innerDim() : c.innerDim();
      };
      layers.add(new ModelInfo.Layer(t.name(), t.path(), Math.toIntExact(dim)));
    }
    Map<String, String> p = DiffusionModelCard.protocol(sd, "FlowMatchEulerDiscreteScheduler shift "
        + sd.schedule().shift() + "; noise level s -> sigma = sigmas[int(100 - 100 s)] of set_timesteps(100), t = "
        + "1000 sigma (records round it); explicit timesteps t give sigma = t / 1000", taps,
        pooling.name().toLowerCase(Locale.ROOT) + " over tokens", options, "the three encoders' states of the empty "
        + "prompt");
    p.put("t5", sd.hasT5() ? "T5 states of up to " + StableDiffusion3.T5_TOKENS + " tokens"
        : "absent: zeros [77, " + c.jointAttentionDim() + "] in place of T5's states (diffusers' stand-in)");
    p.put("transformer_parameters", String.valueOf(sd.transformer().parameters()));
    return DiffusionModelCard.of(sd, modelId, source, origin, layers, p);
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  public StableDiffusion3 pipeline() {
    return sd;
  }

  public List<Tap> taps() {
    return taps;
  }

  /** One (image, sigma, conditioning) input and the noise levels that give its sigma. */
  private record Planned(int image, float sigma, List<Double> noiseLevels, Conditioning conditioning, String prompt,
      int resolution) {}

  /** One transformer input. */
  private record Job(float[] z0, float[] eps, float sigma, float[][] text) {}

  @Override
  public synchronized List<Feature> extract(List<ImageInput> images) {
    List<Planned> plan = new ArrayList<>();
    List<CleanLatents.Request> requests = new ArrayList<>();
    Set<String> promptSet = new LinkedHashSet<>();
    for (int i = 0; i < images.size(); i++) {
      ImageInput in = images.get(i);
      sd.latentSide(in.resolution()); // validates the resolution before any work
      requests.add(new CleanLatents.Request(in.image(), CleanLatents.digest(in.image()), in.resolution(), in.seed(),
          in.latent()));
      Map<Float, List<Double>> sigmas = sd.schedule().levelsBySigma(in.noiseLevels(), in.timesteps());
      for (Map.Entry<Float, List<Double>> e : sigmas.entrySet()) {
        for (Conditioning c : new LinkedHashSet<>(in.conditionings())) {
          String prompt = c == Conditioning.TEXT ? ConceptPrompt.of(in.concept()) : ConceptPrompt.NONE;
          promptSet.add(prompt);
          plan.add(new Planned(i, e.getKey(), e.getValue(), c, prompt, in.resolution()));
        }
      }
    }
    List<float[]> z0 = latents.latentsFor(requests);
    Map<String, float[][]> text = textFor(promptSet);
    Map<Integer, List<Integer>> byResolution = new LinkedHashMap<>();
    for (int k = 0; k < plan.size(); k++) {
      byResolution.computeIfAbsent(plan.get(k).resolution(), r -> new ArrayList<>()).add(k);
    }
    List<Map<String, float[]>> results = new ArrayList<>(Collections.nCopies(plan.size(), null));
    for (Map.Entry<Integer, List<Integer>> group : byResolution.entrySet()) {
      int side = sd.latentSide(group.getKey());
      List<Job> jobs = new ArrayList<>();
      for (int k : group.getValue()) {
        Planned p = plan.get(k);
        float[] eps = ImageNoise.draw(images.get(p.image()).seed(), z0.get(p.image()).length).diffusion();
        jobs.add(new Job(z0.get(p.image()), eps, p.sigma(), text.get(p.prompt())));
      }
      int j = 0;
      for (HalvingBatches.Batch<Job, UNetOutput> done : batches.run(jobs, List.of((long) side, (long) side),
          effectiveBatch(side), batch -> forward(batch, side), "SD3 transformer input at latent " + side + " x " + side)) {
        for (int i = 0; i < done.jobs().size(); i++, j++) {
          Map<String, float[]> values = new LinkedHashMap<>();
          for (TapValue tap : done.result().taps().values()) {
            values.put(tap.path(), tap.row(i));
          }
          results.set(group.getValue().get(j), values);
        }
      }
    }
    List<Feature> features = new ArrayList<>();
    for (int k = 0; k < plan.size(); k++) {
      Planned p = plan.get(k);
      int timestep = Math.round(sd.schedule().timestepOf(p.sigma()));
      for (double s : p.noiseLevels()) {
        for (Tap tap : taps) {
          features.add(new Feature(p.image(), tap.name(), s, timestep, p.conditioning(), p.prompt(),
              results.get(k).get(tap.path())));
        }
      }
    }
    return features;
  }

  /** {context [M * width], pooled [width]} per prompt, encoding those not cached in one call. */
  private Map<String, float[][]> textFor(Set<String> wanted) {
    Map<String, float[][]> out = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String p : wanted) {
      float[][] cached = prompts.get(p);
      if (cached != null) {
        out.put(p, cached);
      } else {
        missing.add(p);
      }
    }
    if (!missing.isEmpty()) {
      try (NDManager scope = base.newSubManager()) {
        Sd3TextEncoders.Embedding e = sd.text().encode(missing, scope);
        float[][] context = Ops.rows(e.context());
        float[][] pooled = Ops.rows(e.pooled());
        for (int i = 0; i < missing.size(); i++) {
          float[][] states = {context[i], pooled[i]};
          prompts.put(missing.get(i), states);
          out.put(missing.get(i), states);
        }
        promptsEncoded += missing.size();
      }
    }
    return out;
  }

  /** The configured batch, capped so that one batch's joint-attention scores and weights stay within the budget. */
  public int effectiveBatch(int latentSide) {
    long fits = Math.max(1, ATTENTION_BUDGET_BYTES / attentionBytesPerInput(latentSide));
    return (int) Math.min(batches.batchSize(), fits);
  }

  /** float32 scores plus softmax weights of the joint attention of one input: 2 x heads x (N + M)^2 x 4 bytes. */
  long attentionBytesPerInput(int latentSide) {
    Sd3TransformerConfig c = sd.transformer().config();
    long tokens = (long) (latentSide / c.patchSize()) * (latentSide / c.patchSize()) + sd.text().contextTokens();
    return 2L * c.heads() * tokens * tokens * 4;
  }

  private UNetOutput forward(List<Job> batch, int side) {
    int n = batch.size();
    long attention = n * attentionBytesPerInput(side);
    if (options.deviceMemoryLimit() > 0 && attention > options.deviceMemoryLimit()) {
      throw new DeviceOutOfMemoryException("an SD3 transformer forward of " + n + " inputs at latent " + side + " x "
          + side + " needs about " + attention + " bytes of attention, over the limit of " + options.deviceMemoryLimit()
          + " bytes (--device-memory-limit)", null);
    }
    int per = batch.get(0).z0().length;
    int ctx = batch.get(0).text()[0].length;
    int pooledWidth = batch.get(0).text()[1].length;
    float[] z0 = new float[n * per];
    float[] eps = new float[n * per];
    float[] context = new float[n * ctx];
    float[] pooled = new float[n * pooledWidth];
    float[] sigma = new float[n];
    float[] timesteps = new float[n];
    for (int i = 0; i < n; i++) {
      Job job = batch.get(i);
      System.arraycopy(job.z0(), 0, z0, i * per, per);
      System.arraycopy(job.eps(), 0, eps, i * per, per);
      System.arraycopy(job.text()[0], 0, context, i * ctx, ctx);
      System.arraycopy(job.text()[1], 0, pooled, i * pooledWidth, pooledWidth);
      sigma[i] = job.sigma();
      timesteps[i] = sd.schedule().timestepOf(job.sigma());
    }
    long channels = sd.latentChannels();
    long width = sd.transformer().config().jointAttentionDim();
    try (NDManager scope = base.newSubManager()) {
      Shape latent = new Shape(n, channels, side, side);
      NDArray x = FlowMatchSchedule.scaleNoise(scope.create(z0, latent), scope.create(eps, latent), sigma); // [B, c, h, w]
      NDArray states = scope.create(context, new Shape(n, ctx / width, width)); // [B, M, width]
      NDArray pool = scope.create(pooled, new Shape(n, pooledWidth)); // [B, 2048]
      boolean same = true;
      for (float t : timesteps) {
        same &= t == timesteps[0];
      }
      UNetOutput out = sd.transformer().forward(x, same ? new float[] {timesteps[0]} : timesteps, states, pool,
          taps.stream().map(Tap::path).toList(), pooling);
      return out;
    }
  }

  /** Images the VAE has encoded (cache misses). */
  public long vaeImagesEncoded() {
    return latents.imagesEncoded();
  }

  /** Prompts the text encoders have encoded (cache misses). */
  public long promptsEncoded() {
    return promptsEncoded;
  }

  /** Times a batch was halved because it ran out of device memory. */
  public long halvings() {
    return batches.halvings();
  }

  /** NDArrays alive in the model's managers beyond the weights: 0 between calls when every scope is closed. */
  public long liveArrays() {
    long n = managed(base);
    List<WeightStore> stores = new ArrayList<>(List.of(sd.transformer().weights(), sd.vae().weights(),
        sd.text().clipL().encoder().weights(), sd.text().clipG().encoder().weights()));
    if (sd.hasT5()) {
      stores.add(sd.text().t5().encoder().weights());
    }
    for (WeightStore w : stores) {
      n += managed(w.manager()) - w.loadedNames().size();
    }
    return n;
  }

  private static long managed(NDManager manager) {
    return manager instanceof BaseNDManager b ? b.getManagedArrays().size() : 0;
  }

  @Override
  public synchronized void close() {
    base.close();
    sd.close();
  }
}
