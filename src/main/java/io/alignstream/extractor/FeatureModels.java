package io.alignstream.extractor;

import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.StableDiffusionFeatureModel;
import io.alignstream.extractor.diffusion.TinyModelCache;
import io.alignstream.extractor.hub.HubModelId;
import io.alignstream.extractor.sd3.Sd3FeatureModel;
import io.alignstream.extractor.sd3.StableDiffusion3;
import io.alignstream.extractor.sd3.TinySd3Pipeline;
import io.alignstream.extractor.vision.VisionFeatureModel;
import io.alignstream.extractor.vision.VisionModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens the model a {@code --model} argument names: {@code pixels} (the pixel baseline), a vision
 * model {@link VisionModelSource} resolves (a TorchScript or ONNX file, a folder holding one, a
 * hub id whose cached snapshot holds one, fetched first with --download), or any Stable
 * Diffusion pipeline {@link PipelineReference} resolves: {@code tiny}, a diffusers folder, a
 * single-file checkpoint, a hub id {@code org/name[@revision]}. A diffusers pipeline whose
 * model_index.json lists a transformer and no UNet is Stable Diffusion 3 ({@link Sd3FeatureModel}).
 */
public final class FeatureModels {

  /** The --model name of the pixel baseline: raw pixels, no VAE, no UNet. */
  public static final String PIXELS = "pixels";

  private FeatureModels() {}

  /**
   * Checks that {@code model} can name a model, without loading or writing anything, so a command
   * can refuse a typo before it starts a cluster: pixels, tiny, an existing file or folder, or a
   * hub id (whether the hub cache has it is for {@link #open} to say).
   *
   * @param option the option that gave the name, for the message
   */
  public static void requireNameable(String model, String option) {
    if (model.equals(PIXELS) || model.equals("tiny") || model.equals(TinySd3Pipeline.NAME) || model.startsWith("file:")
        || HubModelId.looksLikeHubId(model) || Files.exists(Path.of(model))) {
      return;
    }
    throw new IllegalArgumentException(option + ": unknown model '" + model + "'; expected pixels, tiny, tiny-sd3, a "
        + "diffusers pipeline folder, a single-file .safetensors checkpoint, a TorchScript or ONNX vision model (file or "
        + "folder) or a hub id org/name[@revision] (no file or folder "
        + Path.of(model).toAbsolutePath().normalize() + ")");
  }

  /**
   * The diffusion pipeline a {@code --model} string names, without loading it: {@code tiny-sd3}
   * (the built-in SD3 pipeline, written into the model cache once), else what {@link
   * PipelineReference} resolves (tiny, a folder, a single-file checkpoint, a hub id). The SD3
   * built-in is named here, above both pipeline packages, so that {@code extractor.diffusion} does
   * not depend on {@code extractor.sd3}, which builds on it.
   *
   * @param modelCache where the built-in models are written
   * @param tinySeed the seed of their weights
   */
  public static PipelineReference resolve(String model, Path modelCache, long tinySeed, CheckpointOptions options) {
    if (model.equals(TinySd3Pipeline.NAME)) {
      return PipelineReference.builtin(TinySd3Pipeline.NAME, TinyModelCache.folder(modelCache,
          TinySd3Pipeline.NAME + "-seed" + tinySeed, tinySeed, TinySd3Pipeline::write), tinySeed);
    }
    return PipelineReference.resolve(model, modelCache, tinySeed, options);
  }

  /**
   * @param modelId the id settings carry; null for the model's own name (pixels, tiny, the folder's, file's or
   *     hub repository's name)
   * @throws IllegalArgumentException for an unknown model or unusable options
   */
  public static FeatureModel open(String model, String modelId, ModelOptions options) {
    if (model.equals(PIXELS)) {
      return new PixelBaseline(modelId == null ? PIXELS : modelId, options.pixelSide());
    }
    Optional<VisionModelSource> vision = VisionModelSource.resolve(model, options.checkpoints());
    if (vision.isPresent()) {
      return VisionFeatureModel.open(vision.get(), modelId, options);
    }
    PipelineReference reference = resolve(model, options.modelCache(), options.tinySeed(), options.checkpoints());
    String id = modelId == null ? reference.name() : modelId;
    if (StableDiffusion3.isSd3(reference)) {
      return Sd3FeatureModel.open(reference.pipeline(), id, reference.source(), reference.origin(), options);
    }
    return StableDiffusionFeatureModel.open(reference, id, options);
  }
}
