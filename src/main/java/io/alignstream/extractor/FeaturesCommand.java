package io.alignstream.extractor;

import io.alignstream.common.ImageFile;
import io.alignstream.common.RequestRules;
import io.alignstream.extractor.diffusion.ConceptPrompt;
import io.alignstream.extractor.diffusion.FeaturesFile;
import io.alignstream.extractor.diffusion.InjectedNoise;
import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.UNetFeatures;
import io.alignstream.extractor.nn.Pooling;
import io.alignstream.extractor.sd3.Sd3Features;
import io.alignstream.extractor.sd3.StableDiffusion3;
import io.alignstream.extractor.vision.VisionFeatures;
import io.alignstream.extractor.vision.VisionModelSource;
import io.alignstream.schema.LatentMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
 * {@code __metadata__} records every input needed to reproduce the file. The command checks the
 * options and resolves the model; the pipeline's writer runs it: {@link UNetFeatures} for SD 1.x /
 * 2.x, {@link Sd3Features} for Stable Diffusion 3 (the same layout with its own parts).
 */
@Command(name = "features", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Runs one Stable Diffusion pipeline on image files at one noise level and writes the VAE latents, "
            + "text states, noisy latents and the tapped UNet module outputs to a safetensors file.",
        "Batch order is image-major (image x prompt), as in the diffusers reference fixtures."})
public final class FeaturesCommand implements Callable<Integer> {

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

  @Override
  public Integer call() {
    Optional<VisionModelSource> vision = VisionModelSource.resolve(model, modelFlags.checkpointOptions());
    if (vision.isPresent()) {
      if (noise != null) {
        throw new IllegalArgumentException("--noise-level and --timestep apply to diffusion models; " + model
            + " is a " + vision.get().format() + " vision model");
      }
      modelFlags.applyEngineSettings();
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
    modelFlags.placement(); // a device the engine cannot see fails here, before anything loads
    modelFlags.applyEngineSettings();
    PipelineReference reference = FeatureModels.resolve(model, modelFlags.modelCache(), modelFlags.tinySeed(),
        modelFlags.checkpointOptions());
    FeaturesFile.Request in = new FeaturesFile.Request(model, images, promptList, noise.level, noise.timestep, seed,
        mode, pooling, resolution, taps, injectedNoise, out);
    boolean sd3 = StableDiffusion3.isSd3(reference);
    spec.commandLine().getOut().println(sd3 ? Sd3Features.write(in, reference, modelFlags)
        : UNetFeatures.write(in, reference, modelFlags));
    return 0;
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
}
