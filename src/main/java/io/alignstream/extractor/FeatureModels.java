package io.alignstream.extractor;

import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.StableDiffusionFeatureModel;
import io.alignstream.extractor.sd3.Sd3FeatureModel;
import io.alignstream.extractor.sd3.StableDiffusion3;

/**
 * Opens the model a {@code --model} argument names: {@code pixels} (the pixel baseline), or any
 * Stable Diffusion pipeline {@link PipelineReference} resolves: {@code tiny}, a diffusers folder,
 * a single-file checkpoint, a hub id {@code org/name[@revision]}. A diffusers pipeline whose
 * model_index.json lists a transformer and no UNet is Stable Diffusion 3 ({@link Sd3FeatureModel}).
 */
public final class FeatureModels {

  private FeatureModels() {}

  /**
   * @param modelId the id settings carry; null for the model's own name (pixels, tiny, the folder's, file's or
   *     hub repository's name)
   * @throws IllegalArgumentException for an unknown model or unusable options
   */
  public static FeatureModel open(String model, String modelId, ModelOptions options) {
    if (model.equals("pixels")) {
      return new PixelBaseline(modelId == null ? "pixels" : modelId, options.pixelSide());
    }
    PipelineReference reference =
        PipelineReference.resolve(model, options.modelCache(), options.tinySeed(), options.checkpoints());
    String id = modelId == null ? reference.name() : modelId;
    if (reference.pipeline() != null && StableDiffusion3.isSd3(reference.pipeline())) {
      return Sd3FeatureModel.open(reference.pipeline(), id, reference.source(), reference.origin(), options);
    }
    return StableDiffusionFeatureModel.open(reference, id, options);
  }
}
