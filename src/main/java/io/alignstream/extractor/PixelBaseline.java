package io.alignstream.extractor;

import io.alignstream.common.Digests;
import io.alignstream.schema.Conditioning;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The usual lowest baseline of alignment studies: the image's own pixels. Two layers:
 * {@code rgb<side>}, the center square area-averaged down to side x side RGB values in [0, 1]
 * (side 16 gives 768 values), and {@code hist}, a joint RGB colour histogram with 8 bins per
 * channel (512 values, fractions of the pixels). Transparent pixels are composited on white,
 * as an image viewer shows them. No noise, no text: every image gives noise level 0, NONE.
 */
public final class PixelBaseline implements FeatureModel {

  private static final int HISTOGRAM_BINS = 8;

  private final String modelId;
  private final int side;

  public PixelBaseline(String modelId, int side) {
    if (side < 1 || side > 256) {
      throw new IllegalArgumentException("pixel baseline side must be 1..256, got " + side);
    }
    this.modelId = modelId;
    this.side = side;
  }

  public String pixelLayer() {
    return "rgb" + side;
  }

  @Override
  public ModelInfo info() {
    String config = "pixel-baseline side=" + side + " histogram-bins=" + HISTOGRAM_BINS + " alpha=white";
    String digest = Digests.sha256Hex(config);
    return new ModelInfo(modelId, "pixels", "builtin:pixels",
        List.of(new ModelInfo.Layer(pixelLayer(), "center crop, area-average to " + side + "x" + side + " RGB",
                3 * side * side),
            new ModelInfo.Layer("hist", "joint RGB histogram, " + HISTOGRAM_BINS + " bins per channel",
                HISTOGRAM_BINS * HISTOGRAM_BINS * HISTOGRAM_BINS)),
        false, false, "none", "cpu", "float32", digest, digest, Map.of("side", String.valueOf(side)));
  }

  @Override
  public List<Feature> extract(List<ImageInput> images) {
    List<Feature> features = new ArrayList<>(2 * images.size());
    for (int i = 0; i < images.size(); i++) {
      BufferedImage square = centerSquareOnWhite(images.get(i).image());
      features.add(new Feature(i, pixelLayer(), 0, 0, Conditioning.NONE, null, areaAverage(square)));
      features.add(new Feature(i, "hist", 0, 0, Conditioning.NONE, null, histogram(square)));
    }
    return features;
  }

  @Override
  public void close() {}

  /** The largest centered square, with transparency flattened onto white. */
  static BufferedImage centerSquareOnWhite(BufferedImage image) {
    int size = Math.min(image.getWidth(), image.getHeight());
    if (size == 0) {
      throw new IllegalArgumentException("image has no pixels");
    }
    int x0 = (image.getWidth() - size) / 2;
    int y0 = (image.getHeight() - size) / 2;
    BufferedImage square = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = square.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, size, size);
    g.drawImage(image, -x0, -y0, null);
    g.dispose();
    return square;
  }

  /** Each output pixel is the exact mean of the source pixels its cell covers (fractional at edges). */
  private float[] areaAverage(BufferedImage square) {
    int size = square.getWidth();
    int[] rgb = square.getRGB(0, 0, size, size, null, 0, size);
    double[] sums = new double[3 * side * side];
    double[] weights = new double[side * side];
    double scale = (double) side / size;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int pixel = rgb[y * size + x];
        // The source pixel [x, x+1) maps to [x*scale, (x+1)*scale) in output coordinates.
        for (int oy = (int) (y * scale); oy < Math.min(side, Math.ceil((y + 1) * scale)); oy++) {
          double wy = overlap(y * scale, (y + 1) * scale, oy);
          for (int ox = (int) (x * scale); ox < Math.min(side, Math.ceil((x + 1) * scale)); ox++) {
            double w = wy * overlap(x * scale, (x + 1) * scale, ox);
            int cell = oy * side + ox;
            weights[cell] += w;
            sums[3 * cell] += w * ((pixel >> 16) & 0xff);
            sums[3 * cell + 1] += w * ((pixel >> 8) & 0xff);
            sums[3 * cell + 2] += w * (pixel & 0xff);
          }
        }
      }
    }
    float[] vector = new float[sums.length];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = (float) (sums[i] / weights[i / 3] / 255.0);
    }
    return vector;
  }

  private static double overlap(double from, double to, int cell) {
    return Math.max(0, Math.min(to, cell + 1) - Math.max(from, cell));
  }

  private static float[] histogram(BufferedImage square) {
    int size = square.getWidth();
    int[] rgb = square.getRGB(0, 0, size, size, null, 0, size);
    int[] counts = new int[HISTOGRAM_BINS * HISTOGRAM_BINS * HISTOGRAM_BINS];
    int shift = 8 - Integer.numberOfTrailingZeros(HISTOGRAM_BINS); // 256 levels -> 8 bins: drop 5 bits
    for (int pixel : rgb) {
      int r = ((pixel >> 16) & 0xff) >> shift;
      int g = ((pixel >> 8) & 0xff) >> shift;
      int b = (pixel & 0xff) >> shift;
      counts[(r * HISTOGRAM_BINS + g) * HISTOGRAM_BINS + b]++;
    }
    float[] fractions = new float[counts.length];
    for (int i = 0; i < counts.length; i++) {
      fractions[i] = (float) counts[i] / rgb.length;
    }
    return fractions;
  }
}
