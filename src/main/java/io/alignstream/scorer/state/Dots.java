package io.alignstream.scorer.state;

/**
 * Dot products of float rows accumulated in double, eight lanes at a time, with one result
 * whichever way they are computed.
 *
 * <p>Why double: the product of two floats is exact in double, so the only rounding is in the
 * sums (about 1e-16 relative). Rounding the vectors to unit length in float first, or summing in
 * float, would move similarities by about 1e-7 and flip near-ties against a reference computed
 * in double ({@code bench scorer} reports how many).
 *
 * <p>Why eight lanes in a fixed order: lane {@code j} sums the products of the elements
 * {@code j, j + 8, j + 16, ...}; the eight lane sums are then added pairwise,
 * {@code ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))}, and the last {@code dim % 8}
 * products, summed in order, after them. That is what eight-wide vector registers do, so
 * {@link VectorDots} (the JDK's incubating Vector API: one 512-bit register of eight doubles per
 * step, each float row widened on the fly) and {@link BlockedDots} (plain Java the JIT may or
 * may not vectorise) give the same bits, and so do a setting scored now and re-scored after a
 * restart on another machine. A triplet's outcome must never depend on which ran: counts are
 * kept incrementally, and an old evaluation is subtracted by evaluating it again.
 *
 * <p>{@link VectorDots} runs when the JVM was started with {@code --add-modules
 * jdk.incubator.vector} and its preferred vectors hold eight doubles (AVX-512); otherwise, or
 * with {@code -Dalignstream.vector=false}, {@link BlockedDots}.
 */
final class Dots {

  static final int LANES = 8;

  /** Whether {@link VectorDots} runs (see the class comment). */
  static final boolean VECTOR = vectorAvailable();

  private Dots() {}

  /** {@code a[offsetA ..] . b[offsetB ..]} over {@code length} elements. */
  static double dot(float[] a, int offsetA, float[] b, int offsetB, int length) {
    return VECTOR ? VectorDots.dot(a, offsetA, b, offsetB, length) : BlockedDots.dot(a, offsetA, b, offsetB, length);
  }

  /**
   * The three dot products among rows {@code a}, {@code b}, {@code c} of one matrix (offsets of
   * their first elements) in one pass over the three rows, into {@code out}: ab, ac, bc. Each is
   * the same number {@link #dot} gives.
   */
  static void triple(float[] m, int a, int b, int c, int length, double[] out) {
    if (VECTOR) {
      VectorDots.triple(m, a, b, c, length, out);
    } else {
      BlockedDots.triple(m, a, b, c, length, out);
    }
  }

  static double norm(float[] a, int offset, int length) {
    return Math.sqrt(dot(a, offset, a, offset, length));
  }

  private static boolean vectorAvailable() {
    if (!Boolean.parseBoolean(System.getProperty("alignstream.vector", "true"))) {
      return false;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    return VectorDots.supported();
  }
}
