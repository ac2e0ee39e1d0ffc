package io.alignstream.extractor;

import io.alignstream.extractor.diffusion.StableDiffusionFeatureModel;
import io.alignstream.extractor.diffusion.TinyModelCache;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the model a {@code --model} argument names: {@code pixels} (the pixel baseline),
 * {@code tiny} (the project's own small random Stable Diffusion pipeline, written once into the
 * model cache) or a diffusers pipeline folder.
 */
public final class FeatureModels {

  private FeatureModels() {}

  /**
   * @param modelId the id settings carry; null for the model's own name (pixels, tiny, or the folder's name)
   * @throws IllegalArgumentException for an unknown model or unusable options
   */
  public static FeatureModel open(String model, String modelId, ModelOptions options) {
    if (model.equals("pixels")) {
      return new PixelBaseline(modelId == null ? "pixels" : modelId, options.pixelSide());
    }
    if (model.equals("tiny")) {
      Path dir = TinyModelCache.folder(options.modelCache(), options.tinySeed());
      return StableDiffusionFeatureModel.open(dir, modelId == null ? "tiny" : modelId,
          "builtin:tiny?seed=" + options.tinySeed(), options);
    }
    Path dir = Path.of(model);
    if (Files.isDirectory(dir)) {
      Path absolute = dir.toAbsolutePath().normalize();
      String name = absolute.getFileName() == null ? "model" : absolute.getFileName().toString();
      return StableDiffusionFeatureModel.open(dir, modelId == null ? name : modelId, absolute.toString(), options);
    }
    throw new IllegalArgumentException("unknown model '" + model + "': expected pixels, tiny or a diffusers pipeline "
        + "folder (no folder " + dir.toAbsolutePath().normalize() + ")");
  }
}
