package io.alignstream.scorer.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Ridge regression with an unpenalized intercept for many targets at once, with the penalty of
 * each target chosen from a grid by exact leave-one-out error, from ONE eigendecomposition.
 *
 * <p>With the columns of X and Y centred (Xc, Yc) and the thin SVD Xc = U S V^T (from the
 * eigendecomposition of the smaller Gram matrix, Xc^T Xc or Xc Xc^T), the fit for penalty a is
 * Yhat = 1 ybar^T + U diag(f) U^T Yc with f_k = s_k^2 / (s_k^2 + a). That is the hat matrix
 * H = 11^T/n + U diag(f) U^T of least squares on [1, X] with penalty a on the slopes only, so
 * the leave-one-out residual is exactly e_i / (1 - H_ii) (the "efficient leave-one-out" that
 * scikit-learn's RidgeCV calls its GCV mode; the centring is redone without the left-out row,
 * as the intercept column is part of H). The mean squared leave-one-out residual picks each
 * target's penalty (the first of equal ones); coefficients are B = V diag(s / (s^2 + a)) U^T Yc,
 * intercept ybar - xbar^T B. Components with s^2 at most 1e-12 of the largest are dropped:
 * their share f of the fit is below 1e-10 for every penalty of the grid.
 *
 * <p>Engine: the matrix products run in PyTorch (DJL, float64); the symmetric eigendecomposition,
 * which DJL does not expose, in EJML.
 *
 * @param alphas the chosen penalty per target
 * @param looError mean squared leave-one-out residual, [grid index][target]
 * @param coefficients slopes, row-major features x targets
 * @param intercepts one per target
 */
record RidgeFit(double[] alphas, double[][] looError, double[] coefficients, double[] intercepts) {

  private static final double RELATIVE_CUTOFF = 1e-12;

  /**
   * @param x row-major n x d features
   * @param y row-major n x m targets
   */
  static RidgeFit fit(NDManager manager, double[] x, int n, int d, double[] y, int m, double[] grid) {
    double[] xMean = columnMeans(x, n, d);
    double[] yMean = columnMeans(y, n, m);
    try (NDManager scope = manager.newSubManager()) {
      NDArray xc = scope.create(centred(x, n, d, xMean), new Shape(n, d));
      NDArray yc = scope.create(centred(y, n, m, yMean), new Shape(n, m));
      boolean primal = d <= n;
      NDArray gram = primal ? xc.transpose().matMul(xc) : xc.matMul(xc.transpose());
      int size = primal ? d : n;
      DMatrixRMaj matrix = new DMatrixRMaj(size, size, true, gram.toDoubleArray());
      EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(size, true, true);
      if (!eig.decompose(matrix)) {
        throw new IllegalStateException("regression: the eigendecomposition of the " + size + " x " + size
            + " Gram matrix did not converge");
      }
      double largest = 0;
      for (int k = 0; k < size; k++) {
        largest = Math.max(largest, eig.getEigenvalue(k).real);
      }
      int rank = 0;
      int[] kept = new int[size];
      for (int k = 0; k < size; k++) {
        if (eig.getEigenvalue(k).real > largest * RELATIVE_CUTOFF) {
          kept[rank++] = k;
        }
      }
      double[] squares = new double[rank];
      double[] vectors = new double[size * rank];
      for (int r = 0; r < rank; r++) {
        squares[r] = eig.getEigenvalue(kept[r]).real;
        DMatrixRMaj vector = eig.getEigenVector(kept[r]);
        for (int i = 0; i < size; i++) {
          vectors[i * rank + r] = vector.data[i];
        }
      }
      NDArray eigen = scope.create(vectors, new Shape(size, rank));
      NDArray inverseS = scope.create(inverseRoots(squares));
      // U (n x r) and V (d x r) from whichever side was decomposed.
      NDArray u = primal ? xc.matMul(eigen).mul(inverseS) : eigen;
      NDArray v = primal ? eigen : xc.transpose().matMul(eigen).mul(inverseS);
      NDArray projected = u.transpose().matMul(yc);                        // r x m
      double[] leverageBase = u.square().toDoubleArray();                  // n x r
      double[][] looError = new double[grid.length][m];
      for (int a = 0; a < grid.length; a++) {
        double[] shrink = new double[rank];
        for (int r = 0; r < rank; r++) {
          shrink[r] = squares[r] / (squares[r] + grid[a]);
        }
        NDArray shrinkNd = scope.create(shrink).reshape(rank, 1);
        double[] residuals = yc.sub(u.matMul(projected.mul(shrinkNd))).toDoubleArray();
        for (int i = 0; i < n; i++) {
          double leverage = 1.0 / n;
          for (int r = 0; r < rank; r++) {
            leverage += leverageBase[i * rank + r] * shrink[r];
          }
          double scale = 1 / (1 - leverage);
          for (int j = 0; j < m; j++) {
            double loo = residuals[i * m + j] * scale;
            looError[a][j] += loo * loo / n;
          }
        }
      }
      double[] alphas = new double[m];
      double[] factors = new double[rank * m];
      for (int j = 0; j < m; j++) {
        int best = 0;
        for (int a = 1; a < grid.length; a++) {
          if (looError[a][j] < looError[best][j]) {
            best = a;
          }
        }
        alphas[j] = grid[best];
        for (int r = 0; r < rank; r++) {
          factors[r * m + j] = Math.sqrt(squares[r]) / (squares[r] + alphas[j]);
        }
      }
      double[] coefficients = v.matMul(projected.mul(scope.create(factors, new Shape(rank, m)))).toDoubleArray();
      double[] intercepts = new double[m];
      for (int j = 0; j < m; j++) {
        intercepts[j] = yMean[j];
        for (int k = 0; k < d; k++) {
          intercepts[j] -= xMean[k] * coefficients[k * m + j];
        }
      }
      return new RidgeFit(alphas, looError, coefficients, intercepts);
    }
  }

  /** Predictions for row-major rows x d features: rows x m, row-major. */
  double[] predict(double[] x, int rows, int d) {
    int m = intercepts.length;
    double[] out = new double[rows * m];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(intercepts, 0, out, i * m, m);
      for (int k = 0; k < d; k++) {
        double xk = x[i * d + k];
        for (int j = 0; j < m; j++) {
          out[i * m + j] += xk * coefficients[k * m + j];
        }
      }
    }
    return out;
  }

  private static double[] columnMeans(double[] values, int rows, int columns) {
    double[] means = new double[columns];
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < columns; k++) {
        means[k] += values[i * columns + k];
      }
    }
    for (int k = 0; k < columns; k++) {
      means[k] /= rows;
    }
    return means;
  }

  private static double[] centred(double[] values, int rows, int columns, double[] means) {
    double[] out = new double[values.length];
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < columns; k++) {
        out[i * columns + k] = values[i * columns + k] - means[k];
      }
    }
    return out;
  }

  private static double[] inverseRoots(double[] squares) {
    double[] out = new double[squares.length];
    for (int r = 0; r < out.length; r++) {
      out[r] = 1 / Math.sqrt(squares[r]);
    }
    return out;
  }
}
