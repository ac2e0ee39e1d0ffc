package io.alignstream.extractor;

/**
 * How to run a model, whatever it is; each model reads what applies to it.
 *
 * @param pixelSide side of the pixel baseline's downsampled image
 */
public record ModelOptions(int pixelSide) {

  public static ModelOptions defaults() {
    return new ModelOptions(16);
  }
}
