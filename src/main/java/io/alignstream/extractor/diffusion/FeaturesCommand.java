package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.common.ImageFile;
import io.alignstream.common.RequestRules;
import io.alignstream.extractor.ModelFlags;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.sd3.Sd3Features;
import io.alignstream.extractor.sd3.StableDiffusion3;
import io.alignstream.extractor.vision.VisionFeatures;
import io.alignstream.extractor.vision.VisionModelSource;
import io.alignstream.schema.LatentMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alignstream features}: the diffusion feature protocol on a few image files, written
 * with every intermediate to one safetensors file, laid out like the diffusers reference
 * (tiny-sd2-reference): {@code vae.latents} [images, c, h, w], {@code text.last_hidden_state}
 * [prompts, 77, D], {@code noisy_latents} [images, c, h, w] and {@code unet.<module path>}
 * [images, prompts, C, H, W] (or {@code unet.<module path>.spatial_mean} [images, prompts, C]
 * with {@code --pool mean}); the batch is image-major (index = image x prompts + prompt).
 * {@code __metadata__} records every input needed to reproduce the file. A Stable Diffusion 3
 * pipeline writes the same layout with its own parts ({@link Sd3Features}).
 */
@Command(name = "features", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Runs one Stable Diffusion pipeline on image files at one noise level and writes the VAE latents, "
            + "text states, noisy latents and the tapped UNet module outputs to a safetensors file.",
        "Batch order is image-major (image x prompt), as in the diffusers reference fixtures."})
public final class FeaturesCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "tiny|DIR|FILE|ORG/NAME[@REV]",
      description = "tiny (the built-in random SD-2-like pipeline), a diffusers pipeline folder, a single-file "
          + "original-format .safetensors checkpoint, or a hub id in the Hugging Face cache (see --download).")
  String model;

  @Option(names = "--image", paramLabel = "FILE",
      description = "An image file (PNG, JPEG, ...); repeat for more images.")
  List<Path> imageFiles;

  @Option(names = "--input-tensor", paramLabel = "FILE.safetensors:NAME",
      description = "Vision models: a preprocessed batch [N, 3, H, W] to run instead of --image files.")
  String inputTensor;

  /** Exactly one for a diffusion model; none for a vision model. */
  @ArgGroup(exclusive = true, multiplicity = "0..1")
  NoiseChoice noise;

  /** Exactly one of --noise-level and --timestep. */
  static final class NoiseChoice {
    @Option(names = "--noise-level", required = true, paramLabel = "S",
        description = "Noise level s in [0, 1]; t = 10 floor(100 s) - 9, clamped to [0, 999] (docs/method.md).")
    Double level;

    @Option(names = "--timestep", required = true, paramLabel = "T",
        description = "Diffusion timestep t in [0, 999] (the noise level recorded is t / 1000).")
    Integer timestep;
  }

  @Option(names = "--prompt", paramLabel = "TEXT",
      description = "A prompt; repeat for more (default: the empty prompt only).")
  List<String> prompts;

  @Option(names = "--noise", paramLabel = "FILE.safetensors:TENSOR",
      description = "Inject this gaussian noise [images, 4, h, w] instead of the seeded draw (e.g. torch's, to "
          + "compare with a PyTorch run).")
  String noiseTensor;

  @Option(names = "--latent", defaultValue = "sample", paramLabel = "sample|mean",
      description = "z0 = scaling_factor x a sample of the VAE posterior, or its mean (default: ${DEFAULT-VALUE}).")
  String latent;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
      description = "Seed of the posterior eps and diffusion noise; every image draws from it, as an extraction "
          + "request's seed does, so a record of the extractor can be reproduced (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--resolution", paramLabel = "PIXELS",
      description = "Shorter image side is resized to this, then center-cropped (default: the smallest image's "
          + "shorter side); a multiple of the VAE x UNet downsampling.")
  Integer resolution;

  @Option(names = {"--taps", "--layers"}, defaultValue = "default", paramLabel = "default|all|LIST",
      description = "UNet modules to write (default: ${DEFAULT-VALUE}): default = the paper's nine layers; all = "
          + "every block output and every resnet, attention and resampler inside them, plus conv_in and out; or "
          + "a comma list of layer names (Down0..Up3, Mid) and diffusers module paths. Vision models: default = the "
          + "exported layers, all = every value, or module paths / ONNX value names (alignstream layers).")
  String taps;

  @Option(names = "--pool", defaultValue = "none", paramLabel = "none|mean|...",
      description = "none writes full maps unet.<tap> [images, prompts, C, H, W]; mean writes "
          + "unet.<tap>.spatial_mean [images, prompts, C] (default: ${DEFAULT-VALUE}). Vision models: none writes "
          + "layer.<name> as the network returns it; a pooling (docs/vision-models.md) writes layer.<name>.<pooling>.")
  String pool;

  @Mixin
  ModelFlags modelFlags;

  @Option(names = "--out", required = true, paramLabel = "OUT.safetensors", description = "The file to write.")
  Path out;

  /**
   * What every pipeline's features run reads, parsed and checked once.
   *
   * @param noiseLevel the noise level, or null when {@code timestep} is given
   * @param timestep the explicit timestep, or null
   * @param noise the injected noise, or null for the seeded draw
   */
  public record Inputs(List<ImageFile> images, List<String> prompts, Double noiseLevel, Integer timestep, long seed,
      LatentMode mode, Pooling pooling, Integer resolution, String taps, InjectedNoise noise, Path out) {

    /** The resolution asked for, else the smallest image's shorter side. */
    public int resolutionOrSmallest() {
      return resolution != null ? resolution : images.stream()
          .mapToInt(f -> Math.min(f.image().getWidth(), f.image().getHeight())).min().orElseThrow();
    }
  }

  @Override
  public Integer call() {
    Optional<VisionModelSource> vision = VisionModelSource.resolve(model, modelFlags.checkpointOptions());
    if (vision.isPresent()) {
      if (noise != null) {
        throw new IllegalArgumentException("--noise-level and --timestep apply to diffusion models; " + model
            + " is a " + vision.get().format() + " vision model");
      }
      modelFlags.applyThreads();
      spec.commandLine().getOut().println(VisionFeatures.write(new VisionFeatures.Request(vision.get(),
          modelFlags.toOptions(16, taps, pool), imageFiles, inputTensor, out)));
      return 0;
    }
    if (noise == null || imageFiles == null || imageFiles.isEmpty() || inputTensor != null) {
      throw new IllegalArgumentException("a diffusion model needs --image FILE... and one of --noise-level S or "
          + "--timestep T (--input-tensor is for vision models)");
    }
    List<ImageFile> images = ImageFile.readAll(imageFiles);
    InjectedNoise injectedNoise = noiseTensor == null ? null : InjectedNoise.parse(noiseTensor);
    List<String> promptList = prompts == null || prompts.isEmpty() ? List.of(ConceptPrompt.NONE) : List.copyOf(prompts);
    LatentMode mode = parseLatent(latent);
    Pooling pooling = Pooling.parse(pool);
    if (pooling != Pooling.NONE && pooling != Pooling.MEAN) {
      throw new IllegalArgumentException("--pool must be none or mean, got '" + pool + "'");
    }
    if (noise.level != null) {
      RequestRules.checkNoiseLevel(noise.level);
    }
    if (noise.timestep != null) {
      RequestRules.checkTimestep(noise.timestep);
    }
    Placement placement = modelFlags.placement();
    modelFlags.applyThreads();
    PipelineReference reference = PipelineReference.resolve(model, modelFlags.modelCache(), modelFlags.tinySeed(),
        modelFlags.checkpointOptions());
    Inputs in = new Inputs(images, promptList, noise.level, noise.timestep, seed, mode, pooling, resolution, taps,
        injectedNoise, out);
    if (reference.pipeline() != null && StableDiffusion3.isSd3(reference.pipeline())) {
      spec.commandLine().getOut().println(Sd3Features.write(in, reference, modelFlags));
      return 0;
    }
    try (StableDiffusion sd = reference.open(placement);
        NDManager m = NDManager.newBaseManager(placement.device())) {
      List<Tap> tapList = StableDiffusionFeatureModel.parseTaps(taps, sd.unet().config());
      int t = noise.timestep != null ? noise.timestep : sd.schedule().timestepFor(noise.level);
      double s = noise.timestep != null ? noise.timestep / 1000.0 : noise.level;
      int res = in.resolutionOrSmallest();
      int side = sd.latentSide(res);
      int n = images.size();
      int c = sd.latentChannels();
      long[] latentShape = {n, c, side, side};
      float[] injected = injectedNoise == null ? null : injectedNoise.read(latentShape, res);

      // 1. clean latents: one VAE pass over all images; posterior eps from each image's seeded draw
      int per = c * side * side;
      float[] posteriorEps = new float[n * per];
      float[] eps = new float[n * per];
      for (int i = 0; i < n; i++) {
        ImageNoise draw = ImageNoise.draw(seed, per);
        System.arraycopy(draw.posterior(), 0, posteriorEps, i * per, per);
        System.arraycopy(injected != null ? Arrays.copyOfRange(injected, i * per, (i + 1) * per) : draw.diffusion(), 0,
            eps, i * per, per);
      }
      NDArray pixels = ImagePreprocessor.batch(m, images.stream().map(ImageFile::image).toList(), res);
      Posterior posterior = sd.vae().encode(pixels);
      NDArray z0 = sd.vae().latents(posterior,
          mode == LatentMode.MEAN ? null : m.create(posteriorEps, new Shape(latentShape)));
      float[] z0Values = z0.toType(DataType.FLOAT32, false).toFloatArray();

      // 2. text states, one per prompt
      long[][] ids = new long[promptList.size()][];
      for (int p = 0; p < ids.length; p++) {
        ids[p] = sd.tokenizer().encode(promptList.get(p));
      }
      NDArray text = sd.textEncoder().encode(ClipTextEncoder.ids(m, ids)).toType(DataType.FLOAT32, false);
      long[] textShape = text.getShape().getShape();
      float[] textValues = text.toFloatArray();
      int ctx = (int) (textShape[1] * textShape[2]);

      // 3. noisy latents (the UNet batches recompute the same per-image expression)
      int[] ts = new int[n];
      Arrays.fill(ts, t);
      float[] noisy = sd.schedule().addNoise(m.create(z0Values, new Shape(latentShape)),
          m.create(eps, new Shape(latentShape)), ts).toFloatArray();

      // 4. UNet, image-major
      List<UNetBatcher.Job> jobs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < promptList.size(); p++) {
          jobs.add(new UNetBatcher.Job(Arrays.copyOfRange(z0Values, i * per, (i + 1) * per),
              Arrays.copyOfRange(eps, i * per, (i + 1) * per), t,
              Arrays.copyOfRange(textValues, p * ctx, (p + 1) * ctx)));
        }
      }
      List<String> paths = tapList.stream().map(Tap::path).toList();
      UNetBatcher batcher = new UNetBatcher(sd.unet(), sd.schedule(), paths, pooling, modelFlags.unetBatch(),
          modelFlags.deviceMemoryLimit(), m);
      UNetBatcher.Result result = batcher.run(jobs, new long[] {c, side, side}, new long[] {textShape[1], textShape[2]});

      SafetensorsWriter writer = new SafetensorsWriter();
      writer.putFloats("vae.latents", latentShape, z0Values);
      writer.putFloats("text.last_hidden_state", textShape, textValues);
      writer.putFloats("noisy_latents", latentShape, noisy);
      for (String path : paths) {
        writer.putFloats(tensorName(path, pooling), withImagePrompt(n, promptList.size(), result.shapes().get(path)),
            concat(result.values(), path));
      }
      metadata(writer, sd, reference.origin(), images, promptList, t, s, res, mode, injectedNoise, pooling, paths);
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      writer.write(out);
      spec.commandLine().getOut().printf("wrote %s: %d images x %d prompts at t=%d (s=%s), %d x %d latents, %d taps%n",
          out, n, promptList.size(), t, s, side, side, paths.size());
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
    }
  }

  /** The name a tap is written under. */
  public static String tensorName(String path, Pooling pooling) {
    return tensorName("unet", path, pooling == Pooling.MEAN ? ".spatial_mean" : "");
  }

  /** {@code <network>.<path><pooled suffix>}, e.g. unet.mid_block.spatial_mean or transformer.transformer_blocks.3.mean. */
  public static String tensorName(String network, String path, String pooledSuffix) {
    return network + "." + path + pooledSuffix;
  }

  private static LatentMode parseLatent(String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "sample":
        return LatentMode.SAMPLE;
      case "mean":
        return LatentMode.MEAN;
      default:
        throw new IllegalArgumentException("--latent must be sample or mean, got '" + value + "'");
    }
  }

  /** [images, prompts, item shape...]: the image-major layout every tap is written in. */
  public static long[] withImagePrompt(int images, int prompts, long[] itemShape) {
    long[] shape = new long[itemShape.length + 2];
    shape[0] = images;
    shape[1] = prompts;
    System.arraycopy(itemShape, 0, shape, 2, itemShape.length);
    return shape;
  }

  /** One tap's values of every job, in job order. */
  public static float[] concat(List<Map<String, float[]>> values, String path) {
    int per = values.get(0).get(path).length;
    float[] out = new float[values.size() * per];
    for (int i = 0; i < values.size(); i++) {
      System.arraycopy(values.get(i).get(path), 0, out, i * per, per);
    }
    return out;
  }

  private void metadata(SafetensorsWriter w, StableDiffusion sd, ModelOrigin origin, List<ImageFile> images, List<String> promptList,
      int t, double s, int res, LatentMode mode, InjectedNoise injectedNoise, Pooling pooling, List<String> paths)
      throws JsonProcessingException {
    w.metadata("format", "pt");
    w.metadata("generator", "alignstream features");
    w.metadata("model", model);
    w.metadata("model_source", sd.source());
    w.metadata("config_digest", sd.configDigest());
    w.metadata("weights_digest", sd.weightsDigest());
    w.metadata("model_origin", JSON.writeValueAsString(origin));
    w.metadata("scheduler", sd.scheduler());
    w.metadata("images", JSON.writeValueAsString(images.stream().map(f -> f.path().toString()).toList()));
    w.metadata("image_sha256", JSON.writeValueAsString(images.stream().map(ImageFile::sha256).toList()));
    w.metadata("prompts", JSON.writeValueAsString(promptList));
    w.metadata("timestep", String.valueOf(t));
    w.metadata("noise_level", String.valueOf(s));
    w.metadata("seed", String.valueOf(seed));
    w.metadata("latent", mode.name().toLowerCase(Locale.ROOT));
    w.metadata("resolution", String.valueOf(res));
    w.metadata("noise", InjectedNoise.describe(injectedNoise));
    w.metadata("taps", JSON.writeValueAsString(paths));
    w.metadata("pooling", pooling.name().toLowerCase(Locale.ROOT));
    w.metadata("batch_order", "image-major: index = image * prompts + prompt");
    w.metadata("device", modelFlags.device());
    w.metadata("dtype", modelFlags.dtype());
    w.metadata("unet_batch", String.valueOf(modelFlags.unetBatch()));
  }
}
