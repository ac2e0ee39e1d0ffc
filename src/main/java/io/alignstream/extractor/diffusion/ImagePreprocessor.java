package io.alignstream.extractor.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The image preparation of docs/method.md for the VAE: resize the shorter side to the resolution, center
 * crop a square, composite transparency on white, scale 0..255 to [-1, 1], lay out as NCHW.
 *
 * <p>Resizing is bicubic (Keys a = -0.5) with antialiasing: when shrinking, the kernel is
 * stretched by the scale factor so every source pixel contributes (PIL's {@code Image.resize}
 * with BICUBIC, torchvision's {@code Resize(antialias=True)}). THINGS photos are shrunk from about
 * 800 to 512 pixels; without antialiasing fine texture would alias into the latents, and bicubic
 * is what the torchvision/PIL pipelines these alignment studies use apply. Unlike PIL the two
 * passes keep float precision instead of rounding to 8 bits in between (differences below one
 * grey level). An image already at the resolution is passed through unresampled.
 */
public final class ImagePreprocessor {

  private ImagePreprocessor() {}

  /** The images as [N, 3, R, R] float32 in [-1, 1], in {@code manager}. */
  public static NDArray batch(NDManager manager, List<BufferedImage> images, int resolution) {
    int plane = resolution * resolution;
    float[] data = new float[images.size() * 3 * plane];
    for (int i = 0; i < images.size(); i++) {
      float[] one = pixels(images.get(i), resolution);
      System.arraycopy(one, 0, data, i * 3 * plane, one.length);
    }
    return manager.create(data, new Shape(images.size(), 3, resolution, resolution));
  }

  /** One image as CHW floats in [-1, 1] (length 3 * R * R). */
  public static float[] pixels(BufferedImage image, int resolution) {
    Rgb resized = resizeShorterSide(toRgb(image), image.getWidth(), image.getHeight(), resolution);
    float[][] rgb = resized.planes();
    int w = resized.width();
    int h = resized.height();
    // Center crop; the offset rounds as torchvision's CenterCrop does.
    int top = (int) Math.round((h - resolution) / 2.0);
    int left = (int) Math.round((w - resolution) / 2.0);
    int plane = resolution * resolution;
    float[] out = new float[3 * plane];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < resolution; y++) {
        for (int x = 0; x < resolution; x++) {
          // x / 255 * 2 - 1 in float32, the order diffusers' VaeImageProcessor computes it in.
          float unit = rgb[c][(top + y) * w + left + x] / 255.0f;
          out[c * plane + y * resolution + x] = 2.0f * unit - 1.0f;
        }
      }
    }
    return out;
  }

  /** The long side after scaling the short side to {@code resolution}, truncated as torchvision does. */
  private static int scaledLong(int longSide, int shortSide, int resolution) {
    return Math.max(resolution, (int) ((long) resolution * longSide / shortSide));
  }

  /** Planar RGB 0..255 floats; alpha composited over white. */
  static float[][] toRgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[][] rgb = new float[3][w * h];
    int[] row = new int[w];
    boolean alpha = image.getColorModel().hasAlpha();
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w); // sRGB ARGB whatever the source colour model
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        float a = alpha ? ((argb >>> 24) & 0xFF) / 255f : 1f;
        for (int c = 0; c < 3; c++) {
          float v = (argb >>> (16 - 8 * c)) & 0xFF;
          rgb[c][y * w + x] = alpha ? v * a + 255f * (1 - a) : v;
        }
      }
    }
    return rgb;
  }

  /** Planar RGB of a given size. */
  private record Rgb(float[][] planes, int width, int height) {}

  private static Rgb resizeShorterSide(float[][] rgb, int w, int h, int resolution) {
    int nw = w <= h ? resolution : scaledLong(w, h, resolution);
    int nh = w <= h ? scaledLong(h, w, resolution) : resolution;
    if (nw == w && nh == h) {
      return new Rgb(rgb, w, h);
    }
    float[][] out = new float[3][];
    for (int c = 0; c < 3; c++) {
      float[] horizontal = resample(rgb[c], w, h, nw, true); // [h, w] -> [h, nw]
      out[c] = resample(horizontal, nw, h, nh, false); // [h, nw] -> [nh, nw]
    }
    return new Rgb(out, nw, nh);
  }

  /** One separable pass of antialiased bicubic resampling along x or y; clamps to 0..255. */
  private static float[] resample(float[] src, int w, int h, int newSize, boolean alongX) {
    int oldSize = alongX ? w : h;
    double scale = (double) oldSize / newSize;
    double support = 2.0 * Math.max(1.0, scale); // bicubic radius 2, stretched when shrinking
    double filterScale = Math.max(1.0, scale);
    int outW = alongX ? newSize : w;
    int outH = alongX ? h : newSize;
    float[] dst = new float[outW * outH];
    for (int o = 0; o < newSize; o++) {
      double center = (o + 0.5) * scale;
      int lo = Math.max(0, (int) (center - support + 0.5));
      int hi = Math.min(oldSize, (int) (center + support + 0.5));
      double[] weights = new double[hi - lo];
      double total = 0;
      for (int i = lo; i < hi; i++) {
        weights[i - lo] = cubic((i - center + 0.5) / filterScale);
        total += weights[i - lo];
      }
      int lines = alongX ? h : w;
      for (int line = 0; line < lines; line++) {
        double acc = 0;
        for (int i = lo; i < hi; i++) {
          int idx = alongX ? line * w + i : i * w + line;
          acc += src[idx] * weights[i - lo];
        }
        float v = (float) Math.max(0, Math.min(255, acc / total));
        dst[alongX ? line * outW + o : o * outW + line] = v;
      }
    }
    return dst;
  }

  /** Keys' cubic convolution kernel with a = -0.5 (PIL, torchvision antialias). */
  private static double cubic(double x) {
    double a = -0.5;
    x = Math.abs(x);
    if (x < 1) {
      return ((a + 2) * x - (a + 3)) * x * x + 1;
    }
    if (x < 2) {
      return (((x - 5) * x + 8) * x - 4) * a;
    }
    return 0;
  }
}
