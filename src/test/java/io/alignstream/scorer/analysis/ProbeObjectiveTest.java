package io.alignstream.scorer.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The probe's analytic loss and gradient against an independent double-precision loss written
 * here and its central finite differences, on a batch where objects repeat across triplets.
 */
class ProbeObjectiveTest {

  private static final int OBJECTS = 7;
  private static final int DIM = 5;
  private static final double LAMBDA = 0.3;
  private static final int[][] TRIPLETS = {{0, 1, 2}, {3, 1, 4}, {5, 6, 0}, {2, 4, 6}, {1, 0, 5}, {6, 3, 2}};

  @Test
  void gradientMatchesFiniteDifferences() {
    Random random = new Random(3);
    double[][] x = new double[OBJECTS][DIM];
    double[][] w = new double[DIM][DIM];
    double[] b = new double[DIM];
    for (double[] row : x) {
      fill(row, random, 1);
    }
    for (double[] row : w) {
      fill(row, random, 0.5);
    }
    fill(b, random, 0.3);
    ProbeObjective objective = new ProbeObjective(OBJECTS, DIM);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      NDArray rows = manager.create(toFloats(x), new Shape(OBJECTS, DIM));
      NDArray weights = manager.create(toFloats(w), new Shape(DIM, DIM));
      float[] bias = new float[DIM];
      for (int k = 0; k < DIM; k++) {
        bias[k] = (float) b[k];
      }
      // triplets 1..5 only: object 0..6 all appear, several more than once
      ProbeObjective.Gradient g = objective.gradient(manager, rows, weights, bias, TRIPLETS, 1, 6, LAMBDA);
      assertThat(g.loss()).isCloseTo(loss(x, w, b), within(1e-5));
      float[] gw = g.w().toFloatArray();
      double h = 1e-5;
      for (int r = 0; r < DIM; r++) {
        for (int c = 0; c < DIM; c++) {
          double keep = w[r][c];
          w[r][c] = keep + h;
          double up = loss(x, w, b);
          w[r][c] = keep - h;
          double down = loss(x, w, b);
          w[r][c] = keep;
          assertThat((double) gw[r * DIM + c]).as("dL/dW[%d][%d]", r, c).isCloseTo((up - down) / (2 * h), within(1e-4));
        }
      }
      for (int k = 0; k < DIM; k++) {
        double keep = b[k];
        b[k] = keep + h;
        double up = loss(x, w, b);
        b[k] = keep - h;
        double down = loss(x, w, b);
        b[k] = keep;
        assertThat((double) g.b()[k]).as("dL/db[%d]", k).isCloseTo((up - down) / (2 * h), within(1e-4));
      }
    }
  }

  /** Mean over triplets 1..5 of -log softmax(s)_0, plus LAMBDA ||W||_F, in double. */
  private static double loss(double[][] x, double[][] w, double[] b) {
    double[][] e = new double[OBJECTS][DIM];
    for (int i = 0; i < OBJECTS; i++) {
      for (int c = 0; c < DIM; c++) {
        e[i][c] = b[c];
        for (int k = 0; k < DIM; k++) {
          e[i][c] += x[i][k] * w[k][c];
        }
      }
    }
    double total = 0;
    for (int t = 1; t < 6; t++) {
      int[] tr = TRIPLETS[t];
      double s0 = dot(e[tr[0]], e[tr[1]]);
      double s1 = dot(e[tr[0]], e[tr[2]]);
      double s2 = dot(e[tr[1]], e[tr[2]]);
      total += Math.log(Math.exp(s0) + Math.exp(s1) + Math.exp(s2)) - s0;
    }
    double squares = 0;
    for (double[] row : w) {
      squares += dot(row, row);
    }
    return total / 5 + LAMBDA * Math.sqrt(squares);
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int k = 0; k < a.length; k++) {
      sum += a[k] * b[k];
    }
    return sum;
  }

  private static void fill(double[] values, Random random, double scale) {
    for (int k = 0; k < values.length; k++) {
      values[k] = random.nextGaussian() * scale;
    }
  }

  private static float[] toFloats(double[][] matrix) {
    float[] out = new float[matrix.length * matrix[0].length];
    for (int i = 0; i < matrix.length; i++) {
      for (int k = 0; k < matrix[0].length; k++) {
        out[i * matrix[0].length + k] = (float) matrix[i][k];
      }
    }
    return out;
  }
}
