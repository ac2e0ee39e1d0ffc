package io.alignstream.scorer.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ridge fit and its leave-one-out shortcut against direct solves: the normal equations of
 * least squares on [1, X] with the penalty on the slopes only, solved by Gaussian elimination, and
 * leave-one-out by refitting without each row. Both shapes: more rows than features (the
 * decomposition of X^T X) and fewer (of X X^T).
 */
class RidgeFitTest {

  private static final double[] GRID = {0.05, 0.7, 9};

  @ParameterizedTest
  @CsvSource({"14, 4", "7, 10"})
  void matchesDirectSolvesAndRefits(int n, int d) {
    Random random = new Random(n * 31L + d);
    int m = 3;
    double[] x = new double[n * d];
    double[] y = new double[n * m];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextGaussian() + (i % d == 1 ? 4 : 0);   // a column far from 0: the intercept matters
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        y[i * m + j] = 2 - j + x[i * d] * (j + 1) - x[i * d + 1] * 0.5 + random.nextGaussian() * (0.3 + j);
      }
    }
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      RidgeFit all = RidgeFit.fit(manager, x, n, d, y, m, GRID);
      for (int a = 0; a < GRID.length; a++) {
        RidgeFit single = RidgeFit.fit(manager, x, n, d, y, m, new double[] {GRID[a]});
        double[][] direct = solve(x, n, d, y, m, GRID[a], -1);
        for (int j = 0; j < m; j++) {
          assertThat(single.intercepts()[j]).isCloseTo(direct[0][j], within(1e-8));
          for (int k = 0; k < d; k++) {
            assertThat(single.coefficients()[k * m + j]).isCloseTo(direct[k + 1][j], within(1e-8));
          }
          double loo = 0;
          for (int left = 0; left < n; left++) {
            double[][] without = solve(x, n, d, y, m, GRID[a], left);
            double prediction = without[0][j];
            for (int k = 0; k < d; k++) {
              prediction += x[left * d + k] * without[k + 1][j];
            }
            loo += Math.pow(y[left * m + j] - prediction, 2) / n;
          }
          assertThat(all.looError()[a][j]).isCloseTo(loo, within(1e-8 * (1 + loo)));
          assertThat(single.looError()[0][j]).isCloseTo(loo, within(1e-8 * (1 + loo)));
        }
      }
      for (int j = 0; j < m; j++) {
        int best = 0;
        for (int a = 1; a < GRID.length; a++) {
          best = all.looError()[a][j] < all.looError()[best][j] ? a : best;
        }
        assertThat(all.alphas()[j]).isEqualTo(GRID[best]);
      }
    }
  }

  /** Intercept and slopes ([1 + d][m]) of ridge on all rows but {@code skip} (-1: none), by elimination. */
  private static double[][] solve(double[] x, int n, int d, double[] y, int m, double alpha, int skip) {
    int p = d + 1;
    double[][] system = new double[p][p + m];
    for (int i = 0; i < n; i++) {
      if (i == skip) {
        continue;
      }
      double[] row = new double[p];
      row[0] = 1;
      System.arraycopy(x, i * d, row, 1, d);
      for (int r = 0; r < p; r++) {
        for (int c = 0; c < p; c++) {
          system[r][c] += row[r] * row[c];
        }
        for (int j = 0; j < m; j++) {
          system[r][p + j] += row[r] * y[i * m + j];
        }
      }
    }
    for (int r = 1; r < p; r++) {
      system[r][r] += alpha;
    }
    for (int col = 0; col < p; col++) {
      int pivot = col;
      for (int r = col + 1; r < p; r++) {
        pivot = Math.abs(system[r][col]) > Math.abs(system[pivot][col]) ? r : pivot;
      }
      double[] t = system[col];
      system[col] = system[pivot];
      system[pivot] = t;
      for (int r = 0; r < p; r++) {
        if (r != col) {
          double factor = system[r][col] / system[col][col];
          for (int c = col; c < p + m; c++) {
            system[r][c] -= factor * system[col][c];
          }
        }
      }
    }
    double[][] out = new double[p][m];
    for (int r = 0; r < p; r++) {
      for (int j = 0; j < m; j++) {
        out[r][j] = system[r][p + j] / system[r][r];
      }
    }
    return out;
  }
}
