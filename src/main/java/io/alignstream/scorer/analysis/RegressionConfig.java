package io.alignstream.scorer.analysis;

import java.util.Arrays;

/**
 * Ridge regression onto human dimensions.
 *
 * @param alphas ridge penalties; each dimension takes the one with the lowest leave-one-out error
 *     on the training objects of a fold
 * @param outerFolds folds over shuffled objects for the held-out R^2
 * @param seed fixes the object shuffle
 */
public record RegressionConfig(double[] alphas, int outerFolds, long seed) {

  public RegressionConfig {
    alphas = alphas.clone();
    if (alphas.length == 0) {
      throw new IllegalArgumentException("regression: at least one alpha is needed");
    }
    for (double alpha : alphas) {
      if (!(alpha > 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("regression: alpha must be a finite number > 0, got " + alpha);
      }
    }
    if (outerFolds < 2) {
      throw new IllegalArgumentException("regression: outer folds must be >= 2, got " + outerFolds);
    }
  }

  /** Alphas 1e-2, 1e-1, ..., 1e5; 5 outer folds; seed 0. */
  public static RegressionConfig defaults() {
    return new RegressionConfig(new double[] {1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5}, 5, 0);
  }

  @Override
  public double[] alphas() {
    return alphas.clone();
  }

  public RegressionConfig withAlphas(double... alphas) {
    return new RegressionConfig(alphas, outerFolds, seed);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RegressionConfig c && Arrays.equals(alphas, c.alphas) && outerFolds == c.outerFolds
        && seed == c.seed;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(alphas) + 7 * outerFolds + Long.hashCode(seed);
  }

  @Override
  public String toString() {
    return "RegressionConfig[alphas=" + Arrays.toString(alphas) + ", outerFolds=" + outerFolds + ", seed=" + seed
        + "]";
  }
}
