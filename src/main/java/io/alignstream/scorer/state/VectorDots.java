package io.alignstream.scorer.state;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Dots}' kernels on the JDK's incubating Vector API: eight floats of each row loaded,
 * widened to eight doubles (exact), multiplied (exact: a product of two floats fits a double)
 * and added lane by lane; the lanes are summed in {@link Dots}' order, never with
 * {@code reduceLanes}, whose order is unspecified. Loaded only when the module is present (see
 * {@link Dots#VECTOR}).
 */
final class VectorDots {

  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_512;

  private VectorDots() {}

  /** Eight doubles fit the preferred vector (AVX-512): anything narrower would run as slow Java. */
  static boolean supported() {
    return DoubleVector.SPECIES_PREFERRED.length() >= Dots.LANES;
  }

  private static DoubleVector widened(float[] row, int offset) {
    return (DoubleVector) FloatVector.fromArray(FLOATS, row, offset).convertShape(VectorOperators.F2D, DOUBLES, 0);
  }

  static double dot(float[] a, int offsetA, float[] b, int offsetB, int length) {
    DoubleVector sum = DoubleVector.zero(DOUBLES);
    int i = 0;
    for (; i + Dots.LANES <= length; i += Dots.LANES) {
      sum = sum.add(widened(a, offsetA + i).mul(widened(b, offsetB + i)));
    }
    double tail = 0;
    for (; i < length; i++) {
      tail += (double) a[offsetA + i] * b[offsetB + i];
    }
    return sum(sum, tail);
  }

  static void triple(float[] m, int a, int b, int c, int length, double[] out) {
    DoubleVector ab = DoubleVector.zero(DOUBLES);
    DoubleVector ac = DoubleVector.zero(DOUBLES);
    DoubleVector bc = DoubleVector.zero(DOUBLES);
    int i = 0;
    for (; i + Dots.LANES <= length; i += Dots.LANES) {
      DoubleVector x = widened(m, a + i);
      DoubleVector y = widened(m, b + i);
      DoubleVector z = widened(m, c + i);
      ab = ab.add(x.mul(y));
      ac = ac.add(x.mul(z));
      bc = bc.add(y.mul(z));
    }
    double tailAb = 0;
    double tailAc = 0;
    double tailBc = 0;
    for (; i < length; i++) {
      double x = m[a + i];
      double y = m[b + i];
      double z = m[c + i];
      tailAb += x * y;
      tailAc += x * z;
      tailBc += y * z;
    }
    out[0] = sum(ab, tailAb);
    out[1] = sum(ac, tailAc);
    out[2] = sum(bc, tailBc);
  }

  /** {@link Dots#sum}'s order, lane by lane. */
  private static double sum(DoubleVector v, double tail) {
    return (((v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3))) + ((v.lane(4) + v.lane(5)) + (v.lane(6) + v.lane(7))))
        + tail;
  }
}
