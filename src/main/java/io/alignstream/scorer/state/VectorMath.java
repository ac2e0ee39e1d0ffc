package io.alignstream.scorer.state;

/**
 * Dot products of float vectors, accumulated in double.
 *
 * <p>Why double: the product of two floats is exact in double, so the only rounding is in the
 * sum (about 1e-16 relative). Rounding the vectors to unit length in float first, or summing in
 * float, would move similarities by about 1e-7 and could flip near-ties against a reference
 * computed in double. Why four accumulators: a single running sum is bound by the latency of
 * one floating-point add per element; four independent sums let the CPU overlap them (about 3x
 * faster at d = 1280) and change the result only in the last bits of a double.
 */
final class VectorMath {

  private VectorMath() {}

  static double dot(float[] a, int offsetA, float[] b, int offsetB, int length) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < length; i += 4) {
      s0 += (double) a[offsetA + i] * b[offsetB + i];
      s1 += (double) a[offsetA + i + 1] * b[offsetB + i + 1];
      s2 += (double) a[offsetA + i + 2] * b[offsetB + i + 2];
      s3 += (double) a[offsetA + i + 3] * b[offsetB + i + 3];
    }
    for (; i < length; i++) {
      s0 += (double) a[offsetA + i] * b[offsetB + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  static double norm(float[] a, int offset, int length) {
    return Math.sqrt(dot(a, offset, a, offset, length));
  }
}
