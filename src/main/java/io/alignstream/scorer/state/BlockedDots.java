package io.alignstream.scorer.state;

/**
 * {@link Dots}' kernels in plain Java: eight accumulators, lane {@code j} taking the elements
 * {@code j, j + 8, ...}, so the result is bit for bit {@link VectorDots}'. Each step's eight
 * products and sums are independent of each other, which lets the CPU overlap them (and the JIT
 * pack them into vector instructions where it manages to).
 */
final class BlockedDots {

  private BlockedDots() {}

  static double dot(float[] a, int offsetA, float[] b, int offsetB, int length) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    double s4 = 0;
    double s5 = 0;
    double s6 = 0;
    double s7 = 0;
    int i = 0;
    for (; i + Dots.LANES <= length; i += Dots.LANES) {
      int x = offsetA + i;
      int y = offsetB + i;
      s0 += (double) a[x] * b[y];
      s1 += (double) a[x + 1] * b[y + 1];
      s2 += (double) a[x + 2] * b[y + 2];
      s3 += (double) a[x + 3] * b[y + 3];
      s4 += (double) a[x + 4] * b[y + 4];
      s5 += (double) a[x + 5] * b[y + 5];
      s6 += (double) a[x + 6] * b[y + 6];
      s7 += (double) a[x + 7] * b[y + 7];
    }
    double tail = 0;
    for (; i < length; i++) {
      tail += (double) a[offsetA + i] * b[offsetB + i];
    }
    return (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + tail;
  }

  static void triple(float[] m, int a, int b, int c, int length, double[] out) {
    out[0] = dot(m, a, m, b, length);
    out[1] = dot(m, a, m, c, length);
    out[2] = dot(m, b, m, c, length);
  }
}
