package io.alignstream.scorer.analysis;

import java.util.List;
import java.util.function.BooleanSupplier;

/** Ridge regression of features onto human concept dimensions. */
public final class DimensionRegression {

  private DimensionRegression() {}

  public static RegressionReport run(float[][] features, float[][] targets, List<String> labels, int[][] triplets,
      RegressionConfig config) {
    return run(features, targets, labels, triplets, config, () -> false);
  }

  /** As the five-argument run; throws CancellationException once {@code cancelled} says so. */
  public static RegressionReport run(float[][] features, float[][] targets, List<String> labels, int[][] triplets,
      RegressionConfig config, BooleanSupplier cancelled) {
    throw new UnsupportedOperationException("regression: body lands in the next commit");
  }
}
