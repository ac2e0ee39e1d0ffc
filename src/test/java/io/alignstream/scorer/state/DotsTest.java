package io.alignstream.scorer.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernel and the plain-Java kernel give the same bits (a triplet scored by one
 * and un-scored by the other must come out the same), and both are the exact dot product to
 * double rounding.
 */
class DotsTest {

  private static final int[] DIMS = {1, 3, 7, 8, 9, 42, 320, 1280, 1283};

  @Test
  void theVectorKernelIsRunHereAsTheBuildConfiguresIt() {
    // surefire runs with --add-modules jdk.incubator.vector, as `bench scorer` should be run
    assumeTrue(DoubleVectorWidth.atLeastEight(), "this CPU's vectors hold fewer than eight doubles");
    assertThat(Dots.VECTOR).isTrue();
  }

  @Test
  void bothKernelsGiveTheSameBitsAndTheExactSumToDoubleRounding() {
    assumeTrue(Dots.VECTOR, "the Vector API module is not in this JVM");
    SplittableRandom random = new SplittableRandom(5);
    for (int dim : DIMS) {
      float[] m = new float[4 * dim + 3];
      for (int i = 0; i < m.length; i++) {
        m[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-3, 4)));
      }
      int a = 1;
      int b = 1 + dim;
      int c = 2 + 2 * dim;
      double[] vector = new double[3];
      double[] blocked = new double[3];
      VectorDots.triple(m, a, b, c, dim, vector);
      BlockedDots.triple(m, a, b, c, dim, blocked);
      assertThat(vector).as("dim %d", dim).containsExactly(blocked);
      assertThat(VectorDots.dot(m, a, m, c, dim)).isEqualTo(blocked[1]).isEqualTo(BlockedDots.dot(m, a, m, c, dim));
      for (double[] pair : new double[][] {{vector[0], exact(m, a, b, dim)}, {vector[1], exact(m, a, c, dim)},
          {vector[2], exact(m, b, c, dim)}}) {
        double magnitude = absoluteSum(m, a, b, dim) + absoluteSum(m, a, c, dim) + absoluteSum(m, b, c, dim);
        assertThat(Math.abs(pair[0] - pair[1])).as("dim %d", dim).isLessThanOrEqualTo(dim * 1.2e-16 * magnitude);
      }
    }
  }

  @Test
  void aTripleIsItsThreeDots() {
    SplittableRandom random = new SplittableRandom(9);
    int dim = 1280;
    float[] m = new float[3 * dim];
    for (int i = 0; i < m.length; i++) {
      m[i] = (float) random.nextGaussian();
    }
    double[] out = new double[3];
    Dots.triple(m, 0, dim, 2 * dim, dim, out);
    assertThat(out).containsExactly(Dots.dot(m, 0, m, dim, dim), Dots.dot(m, 0, m, 2 * dim, dim),
        Dots.dot(m, dim, m, 2 * dim, dim));
    assertThat(Dots.dot(m, dim, m, 0, dim)).isEqualTo(out[0]); // symmetric, bit for bit
  }

  private static double exact(float[] m, int x, int y, int dim) {
    BigDecimal sum = BigDecimal.ZERO;
    for (int i = 0; i < dim; i++) {
      sum = sum.add(new BigDecimal(m[x + i]).multiply(new BigDecimal(m[y + i])));
    }
    return sum.round(MathContext.DECIMAL128).doubleValue();
  }

  private static double absoluteSum(float[] m, int x, int y, int dim) {
    double sum = 0;
    for (int i = 0; i < dim; i++) {
      sum += Math.abs((double) m[x + i] * m[y + i]);
    }
    return sum;
  }

  /** Kept apart so that this test class loads without the Vector API module. */
  private static final class DoubleVectorWidth {
    static boolean atLeastEight() {
      return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && VectorDots.supported();
    }
  }
}
