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
   * The part of the resized image a caller keeps (the center crop): columns {@code [left, left +
   * width)} and rows {@code [top, top + height)} of the resized size. Each output pixel depends
   * only on its own filter taps, so computing just these gives the same values as resizing all
   * and cropping; at 336x280 to 224 through 256 it is 64% of the pixels.
   */
  record Window(int left, int top, int width, int height) {}

  /**
   * Resizes 8-bit planes of one image (its colour channels) with one set of filter weights, and
   * returns the window {@code keep} of the result.
   *
   * @param planes values 0..255, each row-major [h, w]
   * @return values 0..255, each row-major [keep.height, keep.width]
   */
  static int[][] resize(int[][] planes, int w, int h, int newW, int newH, Filter filter, Window keep) {
    int[][] out = new int[planes.length][];
    if (filter == Filter.NEAREST || newW == w && newH == h) {
      // (at the same size the pixel under each output pixel's center is the pixel itself)
      for (int c = 0; c < planes.length; c++) {
        out[c] = nearest(planes[c], w, h, newW, newH, keep);
      }
      return out;
    }
    // The weights depend on the sizes only: computed once, not per channel.
    Coefficients down = newH != h ? Coefficients.of(h, newH, filter) : null;
    Coefficients across = newW != w ? Coefficients.of(w, newW, filter) : null;
    // Only the source rows the kept output rows read go through the horizontal pass, as in PIL
    // (with no vertical resize: the kept rows themselves).
    int lastKept = keep.top() + keep.height() - 1;
    int firstRow = down != null ? down.first[keep.top()] : keep.top();
    int rows = (down != null ? down.first[lastKept] + down.count[lastKept] : lastKept + 1) - firstRow;
    for (int c = 0; c < planes.length; c++) {
      if (across == null) { // vertical only: straight from the source's kept columns
        out[c] = vertical(planes[c], w, keep.left(), 0, keep, down);
      } else {
        int[] plane = horizontal(planes[c], w, firstRow, rows, keep, across);
        out[c] = down == null ? plane : vertical(plane, keep.width(), 0, firstRow, keep, down);
      }
    }
    return out;
  }

  /** Horizontal pass over {@code rows} source rows from {@code firstRow}, the kept columns only. */
  private static int[] horizontal(int[] src, int w, int firstRow, int rows, Window keep, Coefficients k) {
    int cols = keep.width();
    int[] out = new int[rows * cols];
    for (int y = 0; y < rows; y++) {
      int row = (firstRow + y) * w;
      for (int x = 0; x < cols; x++) {
        int o = keep.left() + x;
        int sum = HALF;
        int start = row + k.first[o];
        int taps = k.count[o];
        int weights = o * k.stride;
        for (int i = 0; i < taps; i++) {
          sum += src[start + i] * k.weights[weights + i];
        }
        out[y * cols + x] = clip8(sum);
      }
    }
    return out;
  }

  /**
   * Vertical pass into the kept rows, reading the kept columns of a plane {@code srcW} wide whose
   * row 0 is source row {@code firstRow} and whose kept columns start at {@code srcLeft}. Each
   * output row adds whole source rows into a row of sums, so the innermost loop runs along a row
   * (contiguous, which the JIT vectorises) instead of down a column; the integer sums are the same.
   */
  private static int[] vertical(int[] src, int srcW, int srcLeft, int firstRow, Window keep, Coefficients k) {
    int cols = keep.width();
    int[] out = new int[keep.height() * cols];
    int[] sums = new int[cols];
    for (int y = 0; y < keep.height(); y++) {
      int o = keep.top() + y;
      Arrays.fill(sums, HALF);
      int start = k.first[o] - firstRow;
      for (int i = 0; i < k.count[o]; i++) {
        int weight = k.weights[o * k.stride + i];
        int row = (start + i) * srcW + srcLeft;
        for (int x = 0; x < cols; x++) {
          sums[x] += src[row + x] * weight;
        }
      }
      int to = y * cols;
      for (int x = 0; x < cols; x++) {
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

  /** Pillow's nearest neighbour: the source pixel under each kept output pixel's center. */
  private static int[] nearest(int[] src, int w, int h, int newW, int newH, Window keep) {
    int[] out = new int[keep.width() * keep.height()];
    for (int y = 0; y < keep.height(); y++) {
      int sy = Math.min(h - 1, (int) ((keep.top() + y + 0.5) * h / newH));
      for (int x = 0; x < keep.width(); x++) {
        out[y * keep.width() + x] = src[sy * w + Math.min(w - 1, (int) ((keep.left() + x + 0.5) * w / newW))];
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
