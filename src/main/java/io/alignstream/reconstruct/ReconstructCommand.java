package io.alignstream.reconstruct;

import io.alignstream.common.ImageFile;
import io.alignstream.common.RequestRules;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.ModelFlags;
import io.alignstream.extractor.diffusion.InjectedNoise;
import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.nn.Placement;
import io.alignstream.schema.LatentMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alignstream reconstruct}: the paper's Figure 4 for a model and a few images: per noise
 * level, the decoded noisy latent and the one-step reconstruction without and with text, as PNG
 * files with a manifest ({@link ReconstructionFolder}); {@code report --reconstruction DIR} draws
 * them as a figure.
 */
@Command(name = "reconstruct", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "What each noise level means (the paper's Figure 4): for each image and noise level, the noisy latent the "
            + "UNet (or SD3's transformer) sees, decoded, and the image one forward step recovers from it (the "
            + "one-step estimate of the clean latent from the model's prediction), without text and with 'a photo "
            + "of a {concept}'.",
        "Writes PNG files, latents.safetensors and manifest.json to --out; report --reconstruction DIR draws them."})
public final class ReconstructCommand implements Callable<Integer> {

  /** The noise levels when neither --noise-levels nor --timesteps is given. */
  static final List<Double> DEFAULT_NOISE_LEVELS = List.of(0.1, 0.3, 0.5, 0.7, 0.9);

  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "tiny|tiny-sd3|DIR|FILE|ORG/NAME[@REV]",
      description = "A diffusion model, named as for features: tiny, tiny-sd3, a diffusers pipeline folder (SD 1.x/2.x "
          + "or SD3), a single-file .safetensors checkpoint, or a hub id in the Hugging Face cache (see --download).")
  String model;

  @Option(names = "--image", required = true, paramLabel = "FILE",
      description = "An image file (PNG, JPEG, ...); repeat for more images.")
  List<Path> imageFiles;

  @Option(names = "--concept", paramLabel = "NAME",
      description = "The concept of each --image, in order, for the TEXT prompt 'a photo of a {concept}' ('_' to "
          + "space, digits removed; default: each file's name without extension).")
  List<String> concepts;

  @Option(names = "--noise-levels", split = ",", paramLabel = "S",
      description = "Noise levels in [0, 1], each mapped to t = 10 floor(100 s) - 9 (SD3: to sigma of the "
          + "flow-matching schedule; docs/method.md; default: 0.1,0.3,0.5,0.7,0.9).")
  List<Double> noiseLevels;

  @Option(names = "--timesteps", split = ",", paramLabel = "T",
      description = "Diffusion timesteps in [0, 999] instead of noise levels (recorded as s = t / 1000; SD3: "
          + "sigma = t / 1000).")
  List<Integer> timesteps;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
      description = "Seed of each image's posterior eps and diffusion noise, as an extraction request's seed "
          + "(default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--latent", defaultValue = "sample", paramLabel = "sample|mean",
      description = "z0 = scaling_factor x a sample of the VAE posterior, or its mean (default: ${DEFAULT-VALUE}).")
  LatentMode latent;

  @Option(names = "--resolution", paramLabel = "PIXELS",
      description = "Shorter image side is resized to this, then center-cropped (default: the smallest image's "
          + "shorter side); a multiple of the VAE x UNet downsampling.")
  Integer resolution;

  @Option(names = "--noise", paramLabel = "FILE.safetensors:TENSOR",
      description = "Inject this gaussian noise [images, c, h, w] (c = 4, or 16 for SD3) instead of the seeded "
          + "draw (e.g. torch's, to compare with a PyTorch run).")
  String noiseTensor;

  @Mixin
  ModelFlags modelFlags;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "The folder to write (created).")
  Path out;

  @Override
  public Integer call() {
    // every option is checked before the model loads
    if (model.equals(FeatureModels.PIXELS)) {
      throw new IllegalArgumentException("--model pixels is the pixel baseline: it has no VAE to decode latents "
          + "with; reconstruct needs a diffusion model (tiny, a diffusers pipeline folder, a single-file checkpoint "
          + "or a hub id)");
    }
    List<ImageFile> images = ImageFile.readAll(imageFiles);
    if (concepts != null && concepts.size() != images.size()) {
      throw new IllegalArgumentException("--concept is given " + concepts.size() + " times for " + images.size()
          + " images: give one per --image, in order, or none");
    }
    if (noiseLevels != null && timesteps != null) {
      throw new IllegalArgumentException("give --noise-levels or --timesteps, not both");
    }
    List<Double> levels = timesteps != null ? List.of() : noiseLevels != null ? noiseLevels : DEFAULT_NOISE_LEVELS;
    levels.forEach(RequestRules::checkNoiseLevel);
    List<Integer> steps = timesteps != null ? timesteps : List.of();
    steps.forEach(RequestRules::checkTimestep);
    if (resolution != null && resolution < 1) {
      throw new IllegalArgumentException("--resolution must be positive, got " + resolution);
    }
    InjectedNoise injected = noiseTensor == null ? null : InjectedNoise.parse(noiseTensor);
    List<Reconstruction.Input> inputs = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      ImageFile f = images.get(i);
      String concept = concepts != null ? concepts.get(i) : f.stem();
      inputs.add(new Reconstruction.Input(f.stem(), f.path().toAbsolutePath().normalize().toString(), f.image(),
          concept));
    }
    int res = resolution != null ? resolution : images.stream()
        .mapToInt(f -> Math.min(f.image().getWidth(), f.image().getHeight())).min().orElseThrow();
    Reconstruction.Settings settings =
        new Reconstruction.Settings(levels, steps, seed, latent, res, modelFlags.unetBatch(), injected);
    Placement placement = modelFlags.placement();
    modelFlags.applyEngineSettings();
    PipelineReference reference = FeatureModels.resolve(model, modelFlags.modelCache(), modelFlags.tinySeed(),
        modelFlags.checkpointOptions());
    ReconstructionManifest manifest = Reconstruction.toFolder(reference, placement, modelFlags.sd3Options(), inputs,
        settings, out);
    spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %d images x %d noise levels, decoded noisy latents "
        + "and one-step reconstructions without and with text (%s, prediction type %s)%n",
        out.resolve(ReconstructionManifest.FILE), manifest.images().size(), manifest.images().get(0).rows().size(),
        manifest.model().name(), manifest.model().predictionType());
    return 0;
  }
}
