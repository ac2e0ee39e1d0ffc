package io.alignstream.extractor.diffusion.unet;

import java.util.Arrays;

/**
 * One recorded module output, pooled, copied off the engine as float32.
 *
 * @param path module path it was tapped at
 * @param shape shape after pooling, e.g. [B, C] for mean pooling, [B, C, H, W] for none
 * @param values row-major values
 */
public record TapValue(String path, long[] shape, float[] values) {

  /** Batch size (first axis). */
  public int batch() {
    return (int) shape[0];
  }

  /** The values of one batch entry, e.g. a [C] vector of a mean-pooled [B, C] tap. */
  public float[] row(int index) {
    int width = values.length / batch();
    return Arrays.copyOfRange(values, index * width, (index + 1) * width);
  }

  @Override
  public String toString() {
    return path + Arrays.toString(shape);
  }
}
