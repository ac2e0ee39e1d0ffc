package io.alignstream.local;

import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;

/** When a published probe or regression is the final one for its setting's current inputs. */
final class DemoResults {

  private DemoResults() {}

  /** Computed from every triplet the setting has scored and every object the triplets name. */
  static boolean isFinal(ProbeResult probe, AlignmentMetric metric) {
    return probe.getTriplets() == metric.getTotal() && probe.getObjects() == metric.getItemsReferenced()
        && probe.getItemsReferenced() == metric.getItemsReferenced();
  }

  static boolean isFinal(RegressionResult regression, AlignmentMetric metric) {
    return regression.getTriplets() == metric.getTotal() && regression.getInputObjects() == metric.getItemsReferenced()
        && regression.getItemsReferenced() == metric.getItemsReferenced();
  }
}
