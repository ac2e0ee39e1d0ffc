package io.alignstream.scorer.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AlignmentMetricsTest {

  @Test
  void wilsonBoundsAreTheRootsOfTheScoreEquation() {
    // The Wilson interval is {p : (phat - p)^2 = z^2 p (1 - p) / n}: solve the quadratic directly.
    double z = 1.959963984540054;
    long[][] cases = {{94185, 146168}, {1, 10}, {0, 7}, {7, 7}, {50, 100}};
    for (long[] c : cases) {
      double n = c[1];
      double phat = c[0] / n;
      double qa = 1 + z * z / n;
      double qb = -(2 * phat + z * z / n);
      double qc = phat * phat;
      double root = Math.sqrt(qb * qb - 4 * qa * qc);
      double[] interval = AlignmentMetrics.wilson(c[0], c[1]);
      assertThat(interval[0]).isCloseTo((-qb - root) / (2 * qa), within(1e-12));
      assertThat(interval[1]).isCloseTo((-qb + root) / (2 * qa), within(1e-12));
    }
    assertThat(AlignmentMetrics.wilson(0, 0)).containsExactly(0, 1);
  }

  @Test
  void normalizedAccuracyIsBrainScoreStyle() {
    assertThat(AlignmentMetrics.normalized(0.5, 10, 0.75)).isCloseTo((0.5 - 1 / 3.0) / (0.75 - 1 / 3.0), within(1e-15));
    assertThat(AlignmentMetrics.normalized(0.5, 10, null)).isNull();
    assertThat(AlignmentMetrics.normalized(0, 0, 0.75)).isNull();
  }

  @Test
  void oddOneOutFollowsTheReferenceTieRule() {
    assertThat(OddOneOut.modelAgrees(0.9, 0.1, 0.2)).isTrue();
    assertThat(OddOneOut.modelAgrees(0.1, 0.9, 0.2)).isFalse();
    assertThat(OddOneOut.modelAgrees(0.5, 0.5, 0.5)).as("all equal: wrong").isFalse();
    assertThat(OddOneOut.modelAgrees(0.5, 0.5, 0.1)).as("human pair ties for the top: first pair wins").isTrue();
    assertThat(OddOneOut.modelAgrees(0.1, 0.5, 0.5)).isFalse();
  }
}
