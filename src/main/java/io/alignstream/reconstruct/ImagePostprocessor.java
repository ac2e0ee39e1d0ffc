package io.alignstream.reconstruct;

import java.awt.image.BufferedImage;

/**
 * Decoded images to 8-bit RGB exactly as diffusers' {@code VaeImageProcessor.postprocess} makes
 * its PIL images: x / 2 + 0.5 clamped to [0, 1] in float32, times 255, rounded half to even
 * (numpy's {@code round}). The inverse of {@link io.alignstream.extractor.diffusion.ImagePreprocessor}'s
 * scaling: a preprocessed image comes back byte for byte.
 */
final class ImagePostprocessor {

  private ImagePostprocessor() {}

  /**
   * @param chw [3, side, side] row-major, about [-1, 1]
   */
  static BufferedImage image(float[] chw, int side) {
    int plane = side * side;
    if (chw.length != 3 * plane) {
      throw new IllegalArgumentException(chw.length + " values are not a 3 x " + side + " x " + side + " image");
    }
    BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[side];
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int rgb = 0;
        for (int c = 0; c < 3; c++) {
          rgb = (rgb << 8) | level(chw[c * plane + y * side + x]);
        }
        row[x] = rgb;
      }
      image.setRGB(0, y, side, 1, row, 0, side);
    }
    return image;
  }

  /** One channel value to 0..255. */
  static int level(float v) {
    float unit = Math.max(0f, Math.min(1f, v / 2f + 0.5f));
    return (int) Math.rint(unit * 255f);
  }
}
