package io.alignstream.scorer.ceiling;

import java.util.OptionalDouble;

/**
 * What a noise ceiling is computed from, as exact integers (agreements in sixths, see
 * {@link NoiseCeiling}), so the same responses give the same ceiling in any order.
 *
 * @param repeatedTriplets groups (the same three items) with two or more responses
 * @param responses responses in those groups
 * @param agreementSixths sum over groups of the agreement with the group majority, in sixths
 * @param leaveOneOutSixths the same against the majority of the other responses
 * @param squaredAgreementSixths sum over groups of (agreement in sixths)^2
 * @param agreementSixthsTimesSize sum over groups of (agreement in sixths) x (group size)
 * @param squaredSizes sum over groups of (group size)^2
 */
public record CeilingSums(long repeatedTriplets, long responses, long agreementSixths, long leaveOneOutSixths,
    long squaredAgreementSixths, long agreementSixthsTimesSize, long squaredSizes) {

  static final CeilingSums NONE = new CeilingSums(0, 0, 0, 0, 0, 0, 0);

  /** Two-sided 95% standard normal quantile. */
  private static final double Z = 1.959963984540054;

  OptionalDouble ceiling() {
    return responses == 0 ? OptionalDouble.empty() : OptionalDouble.of(agreementSixths / 6.0 / responses);
  }

  OptionalDouble leaveOneOutCeiling() {
    return responses == 0 ? OptionalDouble.empty() : OptionalDouble.of(leaveOneOutSixths / 6.0 / responses);
  }

  /**
   * 95% interval of the ceiling c = A / N (A = sum of agreements a_g, N = sum of group sizes
   * n_g) with the groups as independent units: the ratio estimator's linearized (delta-method)
   * variance G / (G - 1) * sum_g (a_g - c n_g)^2 / N^2, as for a cluster sample. Null with fewer
   * than two groups, where there is no spread to measure.
   */
  double[] interval() {
    if (repeatedTriplets < 2) {
      return null;
    }
    double c = ceiling().getAsDouble();
    double squaredResiduals = squaredAgreementSixths / 36.0 - 2 * c * agreementSixthsTimesSize / 6.0
        + c * c * squaredSizes;
    double g = repeatedTriplets;
    double variance = g / (g - 1) * Math.max(0, squaredResiduals) / ((double) responses * responses);
    double half = Z * Math.sqrt(variance);
    return new double[] {Math.max(0, c - half), Math.min(1, c + half)};
  }
}
