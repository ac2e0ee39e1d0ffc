package io.alignstream.extractor;

import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.StableDiffusionFeatureModel;

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
  public static FeatureModel open(String model, String modelId, ModelOptions options) {
    if (model.equals(PIXELS)) {
      return new PixelBaseline(modelId == null ? PIXELS : modelId, options.pixelSide());
    }
    PipelineReference reference =
        PipelineReference.resolve(model, options.modelCache(), options.tinySeed(), options.checkpoints());
    return StableDiffusionFeatureModel.open(reference, modelId == null ? reference.name() : modelId, options);
  }
}
