package io.alignstream.extractor.vision;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.util.Arrays;

/**
 * Turns a decoded image into a vision model's input as a Hugging Face image processor does with
 * {@link ImageProcessorConfig}: RGB, resize (Pillow's 8-bit resampling, {@link PilResample}),
 * center crop (zero padding where the crop is larger, offsets {@code (h - crop) // 2}), rescale,
 * normalize, channels first. Arithmetic follows the processor's numpy steps: the rescale in
 * double then float32, the normalization in float32.
 *
 * <p>Transparency: pixels are composited over white (rounded to 8 bits) before anything else,
 * the rule of every model in alignstream (the pixel baseline and the diffusion protocol too), so
 * one image looks the same to every model compared. Hugging Face's {@code convert("RGB")}
 * instead drops alpha and keeps whatever colour the transparent pixels store; for opaque images
 * the two agree.
 */
public final class VisionPreprocessor {

  private final ImageProcessorConfig config;
  /**
   * Per channel, the model's input value of each 8-bit sample (rescaled, normalised): the
   * arithmetic below done once per value instead of once per pixel.
   */
  private final float[][] values = new float[3][256];

  public VisionPreprocessor(ImageProcessorConfig config) {
    this.config = config;
    for (int c = 0; c < 3; c++) {
      float mean = config.mean() == null ? 0 : config.mean()[c];
      float std = config.std() == null ? 1 : config.std()[c];
      for (int v = 0; v < 256; v++) {
        float value = (float) (v * config.rescaleFactor());
        values[c][v] = config.mean() == null ? value : (value - mean) / std;
      }
    }
  }

  public ImageProcessorConfig config() {
    return config;
  }

  /** A preprocessed image: CHW float32 values and the height and width. */
  public record Pixels(float[] values, int height, int width) {}

  public Pixels pixels(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    if (w == 0 || h == 0) {
      throw new IllegalArgumentException("image has no pixels");
    }
    int[] size = resizedSize(w, h);
    int rw = size[0];
    int rh = size[1];
    int outH = config.cropHeight() != null ? config.cropHeight() : rh;
    int outW = config.cropWidth() != null ? config.cropWidth() : rw;
    // Center crop offsets; negative where the crop is larger than the image (zero padding there,
    // centred with the extra pixel on the far side, as the processor's padding does).
    int top = config.cropHeight() == null ? 0 : outH > rh ? -ceilHalf(outH - rh) : Math.floorDiv(rh - outH, 2);
    int left = config.cropWidth() == null ? 0 : outW > rw ? -ceilHalf(outW - rw) : Math.floorDiv(rw - outW, 2);
    // Only the resized pixels inside the crop are computed.
    PilResample.Window kept = new PilResample.Window(Math.max(0, left), Math.max(0, top),
        Math.min(rw, left + outW) - Math.max(0, left), Math.min(rh, top + outH) - Math.max(0, top));
    int[][] rgb = PilResample.resize(rgbOverWhite(image), w, h, rw, rh, config.resample(), kept);
    int plane = outH * outW;
    float[] out = new float[3 * plane];
    for (int c = 0; c < 3; c++) {
      float[] value = values[c];
      int[] kept8 = rgb[c];
      for (int y = 0; y < outH; y++) {
        int ky = y + top - kept.top();
        int to = c * plane + y * outW;
        if (ky < 0 || ky >= kept.height()) {
          Arrays.fill(out, to, to + outW, value[0]);
          continue;
        }
        for (int x = 0; x < outW; x++) {
          int kx = x + left - kept.left();
          out[to + x] = value[kx >= 0 && kx < kept.width() ? kept8[ky * kept.width() + kx] : 0];
        }
      }
    }
    return new Pixels(out, outH, outW);
  }

  /** [width, height] after the resize step. */
  int[] resizedSize(int w, int h) {
    if (config.resizeHeight() != null) {
      return new int[] {config.resizeWidth(), config.resizeHeight()};
    }
    if (config.shortestEdge() == null) {
      return new int[] {w, h};
    }
    int edge = config.shortestEdge();
    int shortSide = Math.min(w, h);
    int longSide = Math.max(w, h);
    int newLong = (int) ((double) ((long) edge * longSide) / shortSide); // int(size * long / short)
    return w <= h ? new int[] {edge, newLong} : new int[] {newLong, edge};
  }

  private static int ceilHalf(int n) {
    return (n + 1) / 2;
  }

  /** Planar 8-bit RGB, transparent pixels composited over white and rounded. */
  static int[][] rgbOverWhite(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[][] rgb = new int[3][w * h];
    boolean alpha = image.getColorModel().hasAlpha();
    Raster raster = image.getRaster();
    if (isPlainSrgb(image.getColorModel()) && raster.getDataBuffer() instanceof DataBufferByte bytes
        && raster.getSampleModel() instanceof PixelInterleavedSampleModel layout) {
      // The bands are R, G, B (, A) bytes already, interleaved in one array (what ImageIO's PNG
      // and JPEG readers give for colour images): read them straight from it. Both getRGB (per
      // pixel through the colour model) and Raster.getPixels (per sample through the sample
      // model) took several times the resize's time.
      byte[] data = bytes.getData();
      int[] band = layout.getBandOffsets();
      int step = layout.getPixelStride();
      for (int y = 0; y < h; y++) {
        // the raster's (0, y) in the sample model's coordinates (a subimage's raster is translated)
        int at = bytes.getOffset() + (y - raster.getSampleModelTranslateY()) * layout.getScanlineStride()
            - raster.getSampleModelTranslateX() * step;
        for (int x = 0; x < w; x++, at += step) {
          int a = alpha ? data[at + band[3]] & 0xFF : 255;
          int i = y * w + x;
          rgb[0][i] = overWhite(data[at + band[0]] & 0xFF, a);
          rgb[1][i] = overWhite(data[at + band[1]] & 0xFF, a);
          rgb[2][i] = overWhite(data[at + band[2]] & 0xFF, a);
        }
      }
      return rgb;
    }
    if (isPlainSrgb(image.getColorModel())) {
      // Other layouts of the same samples (one band per array, say): rows of samples, still no
      // per-pixel colour conversion.
      int bands = raster.getNumBands();
      int[] row = new int[w * bands];
      for (int y = 0; y < h; y++) {
        raster.getPixels(0, y, w, 1, row);
        for (int x = 0; x < w; x++) {
          int a = alpha ? row[x * bands + 3] : 255;
          for (int c = 0; c < 3; c++) {
            rgb[c][y * w + x] = overWhite(row[x * bands + c], a);
          }
        }
      }
      return rgb;
    }
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w); // sRGB ARGB whatever the source colour model
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        int a = alpha ? argb >>> 24 : 255;
        for (int c = 0; c < 3; c++) {
          rgb[c][y * w + x] = overWhite((argb >>> (16 - 8 * c)) & 0xFF, a);
        }
      }
    }
    return rgb;
  }

  /**
   * 8-bit sRGB samples, alpha not premultiplied: what ImageIO's PNG and JPEG readers give for
   * colour images, whose samples getRGB would return unchanged. Grey, palette, 16-bit and other
   * colour spaces go through getRGB's conversion.
   */
  private static boolean isPlainSrgb(ColorModel model) {
    return model instanceof ComponentColorModel && model.getColorSpace().isCS_sRGB()
        && model.getTransferType() == DataBuffer.TYPE_BYTE && !model.isAlphaPremultiplied()
        && model.getNumComponents() == (model.hasAlpha() ? 4 : 3);
  }

  private static int overWhite(int value, int alpha) {
    return alpha == 255 ? value : (value * alpha + 255 * (255 - alpha) + 127) / 255;
  }
}
