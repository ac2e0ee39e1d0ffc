package io.alignstream.extractor.vision;

import java.util.Arrays;

/**
 * Resizing exactly as Pillow's {@code Image.resize} does it for 8-bit images (what Hugging Face
 * image processors call): a separable convolution, horizontal pass first, each output pixel a
 * weighted sum of the source pixels under the filter stretched by the scale factor when
 * shrinking (antialiasing), with the weights in fixed point (22 fraction bits) and the result
 * rounded and clipped to 8 bits after each pass. Matching these integer steps, not just the
 * filter, is what keeps the output within one grey level of PIL's (docs/vision-models.md).
 */
final class PilResample {

  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final int HALF = 1 << (PRECISION_BITS - 1);

  /** PIL's filters by their {@code resample} code (Image.Resampling). */
  enum Filter {
    NEAREST(0, 0), LANCZOS(1, 3), BILINEAR(2, 1), BICUBIC(3, 2), BOX(4, 0.5), HAMMING(5, 1);

    final int code;
    final double support;

    Filter(int code, double support) {
      this.code = code;
      this.support = support;
    }

    static Filter ofCode(int code) {
      for (Filter f : values()) {
        if (f.code == code) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown PIL resample filter " + code
          + "; known: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming");
    }

    double weight(double x) {
      x = Math.abs(x);
      return switch (this) {
        case BOX -> x <= 0.5 ? 1 : 0; // PIL: -0.5 < x <= 0.5
        case BILINEAR -> x < 1 ? 1 - x : 0;
        case HAMMING -> x == 0 ? 1 : x >= 1 ? 0 : Math.sin(Math.PI * x) / (Math.PI * x) * (0.54 + 0.46 * Math.cos(Math.PI * x));
        case BICUBIC -> x < 1 ? ((-0.5 + 2) * x - (-0.5 + 3)) * x * x + 1 : x < 2 ? (((x - 5) * x + 8) * x - 4) * -0.5 : 0;
        case LANCZOS -> x < 3 ? sinc(x) * sinc(x / 3) : 0;
        case NEAREST -> throw new IllegalStateException("nearest is sampled, not convolved");
      };
    }

    private static double sinc(double x) {
      return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    }
  }

  private PilResample() {}

  /**
   * Resizes 8-bit planes of one image (its colour channels) with one set of filter weights.
   *
   * @param planes values 0..255, each row-major [h, w]
   * @return values 0..255, each row-major [newH, newW]
   */
  static int[][] resize(int[][] planes, int w, int h, int newW, int newH, Filter filter) {
    int[][] out = new int[planes.length][];
    if (newW == w && newH == h) {
      for (int c = 0; c < planes.length; c++) {
        out[c] = planes[c].clone();
      }
      return out;
    }
    if (filter == Filter.NEAREST) {
      for (int c = 0; c < planes.length; c++) {
        out[c] = nearest(planes[c], w, h, newW, newH);
      }
      return out;
    }
    // The weights depend on the sizes only: computed once, not per channel.
    Coefficients vertical = Coefficients.of(h, newH, filter);
    Coefficients across = newW != w ? Coefficients.of(w, newW, filter) : null;
    // Only the source rows the vertical pass reads go through the horizontal one, as in PIL (with
    // no vertical resize they are all rows).
    int firstRow = vertical.first[0];
    int rows = vertical.first[newH - 1] + vertical.count[newH - 1] - firstRow;
    for (int c = 0; c < planes.length; c++) {
      int[] plane = across != null ? horizontal(planes[c], w, firstRow, rows, newW, across) : planes[c];
      out[c] = newH == h ? plane : vertical(plane, newW, across != null ? firstRow : 0, newH, vertical);
    }
    return out;
  }

  private static int[] horizontal(int[] src, int w, int firstRow, int rows, int newW, Coefficients k) {
    int[] out = new int[rows * newW];
    for (int y = 0; y < rows; y++) {
      int row = (firstRow + y) * w;
      for (int x = 0; x < newW; x++) {
        int sum = HALF;
        int start = row + k.first[x];
        int taps = k.count[x];
        int weights = x * k.stride;
        for (int i = 0; i < taps; i++) {
          sum += src[start + i] * k.weights[weights + i];
        }
        out[y * newW + x] = clip8(sum);
      }
    }
    return out;
  }

  /**
   * Vertical pass over a plane whose row 0 is source row {@code firstRow}. Each output row adds
   * whole source rows into a row of sums, so the innermost loop runs along a row (contiguous,
   * which the JIT vectorises) instead of down a column; the integer sums are the same.
   */
  private static int[] vertical(int[] src, int w, int firstRow, int newH, Coefficients k) {
    int[] out = new int[newH * w];
    int[] sums = new int[w];
    for (int y = 0; y < newH; y++) {
      Arrays.fill(sums, HALF);
      int start = k.first[y] - firstRow;
      for (int i = 0; i < k.count[y]; i++) {
        int weight = k.weights[y * k.stride + i];
        int row = (start + i) * w;
        for (int x = 0; x < w; x++) {
          sums[x] += src[row + x] * weight;
        }
      }
      int to = y * w;
      for (int x = 0; x < w; x++) {
        out[to + x] = clip8(sums[x]);
      }
    }
    return out;
  }

  private static int clip8(int value) {
    if (value >= (1 << PRECISION_BITS << 8)) {
      return 255;
    }
    return value <= 0 ? 0 : value >> PRECISION_BITS;
  }

  /** Pillow's nearest neighbour: the source pixel under each output pixel's center. */
  private static int[] nearest(int[] src, int w, int h, int newW, int newH) {
    int[] out = new int[newW * newH];
    for (int y = 0; y < newH; y++) {
      int sy = Math.min(h - 1, (int) ((y + 0.5) * h / newH));
      for (int x = 0; x < newW; x++) {
        out[y * newW + x] = src[sy * w + Math.min(w - 1, (int) ((x + 0.5) * w / newW))];
      }
    }
    return out;
  }

  /**
   * Per output index: the first source index, how many follow, and their fixed-point weights,
   * {@code stride} apart in one array (output {@code o}'s weights start at {@code o * stride}).
   */
  private record Coefficients(int[] first, int[] count, int[] weights, int stride) {

    static Coefficients of(int inSize, int outSize, Filter filter) {
      double scale = (double) inSize / outSize;
      double filterScale = Math.max(1.0, scale);
      double support = filter.support * filterScale;
      int stride = (int) Math.ceil(support) * 2 + 1; // PIL's ksize: the most source pixels one output reads
      int[] first = new int[outSize];
      int[] count = new int[outSize];
      int[] weights = new int[outSize * stride];
      for (int o = 0; o < outSize; o++) {
        double center = (o + 0.5) * scale;
        int min = Math.max(0, (int) (center - support + 0.5));
        int max = Math.min(inSize, (int) (center + support + 0.5));
        double[] k = new double[max - min];
        double total = 0;
        for (int i = 0; i < k.length; i++) {
          k[i] = filter.weight((i + min - center + 0.5) / filterScale);
          total += k[i];
        }
        for (int i = 0; i < k.length; i++) {
          double normalised = total != 0 ? k[i] / total : k[i];
          weights[o * stride + i] = (int) (normalised * (1 << PRECISION_BITS) + (normalised < 0 ? -0.5 : 0.5));
        }
        first[o] = min;
        count[o] = k.length;
      }
      return new Coefficients(first, count, weights, stride);
    }
  }
}
