package io.alignstream.extractor;

import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.StableDiffusionFeatureModel;
import io.alignstream.extractor.hub.HubModelId;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the model a {@code --model} argument names: {@code pixels} (the pixel baseline), or any
 * Stable Diffusion pipeline {@link PipelineReference} resolves: {@code tiny}, a diffusers folder,
 * a single-file checkpoint, a hub id {@code org/name[@revision]}.
 */
public final class FeatureModels {

  /** The --model name of the pixel baseline: raw pixels, no VAE, no UNet. */
  public static final String PIXELS = "pixels";

  private FeatureModels() {}

  /**
   * @param modelId the id settings carry; null for the model's own name (pixels, tiny, the folder's, file's or
   *     hub repository's name)
   * @throws IllegalArgumentException for an unknown model or unusable options
   */
  /**
   * Checks that {@code model} can name a model, without loading or writing anything, so a command
   * can refuse a typo before it starts a cluster: pixels, tiny, an existing file or folder, or a
   * hub id (whether the hub cache has it is for {@link #open} to say).
   *
   * @param option the option that gave the name, for the message
   */
  public static void requireNameable(String model, String option) {
    if (model.equals("pixels") || model.equals("tiny") || model.startsWith("file:") || HubModelId.looksLikeHubId(model)
        || Files.exists(Path.of(model))) {
      return;
    }
    throw new IllegalArgumentException(option + ": unknown model '" + model + "'; expected pixels, tiny, a diffusers"
        + " pipeline folder, a single-file .safetensors checkpoint or a hub id org/name[@revision] (no file or folder "
        + Path.of(model).toAbsolutePath().normalize() + ")");
  }

  public static FeatureModel open(String model, String modelId, ModelOptions options) {
    if (model.equals(PIXELS)) {
      return new PixelBaseline(modelId == null ? PIXELS : modelId, options.pixelSide());
    }
    PipelineReference reference =
        PipelineReference.resolve(model, options.modelCache(), options.tinySeed(), options.checkpoints());
    return StableDiffusionFeatureModel.open(reference, modelId == null ? reference.name() : modelId, options);
  }
}
