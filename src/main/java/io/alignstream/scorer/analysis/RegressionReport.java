package io.alignstream.scorer.analysis;

import java.util.List;

/**
 * Regression onto human dimensions: mean of the per-dimension held-out R^2, odd-one-out accuracy
 * of the predicted human embedding (dot similarity) on triplets whose three objects are held out
 * together, per-dimension scores, and the input counts.
 */
public record RegressionReport(double meanR2, double predictedOooa, List<DimensionScore> dimensions,
    int objects, long heldOutTriplets) {

  public RegressionReport {
    dimensions = List.copyOf(dimensions);
  }
}
