package io.alignstream.scorer.analysis;

import java.util.List;

/**
 * The probe's result for the chosen lambda (lowest mean held-out cross-entropy): mean held-out
 * accuracies over the folds, the folds themselves, and the input counts it was computed from.
 */
public record ProbeReport(double lambda, double meanProbeAccuracy, double meanZeroShotAccuracy,
    List<ProbeFold> folds, int objects, long triplets) {

  public ProbeReport {
    folds = List.copyOf(folds);
  }
}
