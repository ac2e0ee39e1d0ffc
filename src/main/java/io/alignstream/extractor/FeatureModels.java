package io.alignstream.extractor;

import io.alignstream.extractor.diffusion.PipelineReference;
import io.alignstream.extractor.diffusion.StableDiffusionFeatureModel;
import io.alignstream.extractor.vision.VisionFeatureModel;
import io.alignstream.extractor.vision.VisionModelSource;
import java.util.Optional;

/**
 * Opens the model a {@code --model} argument names: {@code pixels} (the pixel baseline), a vision
 * model {@link VisionModelSource} resolves (a TorchScript or ONNX file, a folder holding one, a
 * hub id whose cached snapshot holds one), or any Stable Diffusion pipeline {@link
 * PipelineReference} resolves: {@code tiny}, a diffusers folder, a single-file checkpoint, a hub
 * id {@code org/name[@revision]}.
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
    Optional<VisionModelSource> vision = VisionModelSource.resolve(model, options.checkpoints());
    if (vision.isPresent()) {
      return VisionFeatureModel.open(vision.get(), modelId, options);
    }
    PipelineReference reference =
        PipelineReference.resolve(model, options.modelCache(), options.tinySeed(), options.checkpoints());
    return StableDiffusionFeatureModel.open(reference, modelId == null ? reference.name() : modelId, options);
  }
}
