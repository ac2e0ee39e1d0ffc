package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WilsonIntervalTest {

  @Test
  void boundsAreTheRootsOfTheScoreEquation() {
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
      WilsonInterval interval = WilsonInterval.of(c[0], c[1]);
      assertThat(interval.low()).isCloseTo((-qb - root) / (2 * qa), within(1e-12));
      assertThat(interval.high()).isCloseTo((-qb + root) / (2 * qa), within(1e-12));
    }
    assertThat(WilsonInterval.of(0, 0)).isEqualTo(new WilsonInterval(0, 1));
  }

  @Test
  void pooledGroupsCountTheirSuccessesTogether() {
    // three folds: 30/50, 41/60 and 2/7 correct, given as accuracies as a probe reports them
    WilsonInterval pooled = WilsonInterval.pooled(new long[] {50, 60, 7}, new double[] {30 / 50.0, 41 / 60.0, 2 / 7.0});
    assertThat(pooled).isEqualTo(WilsonInterval.of(73, 117));
    assertThat(WilsonInterval.pooled(new long[0], new double[0])).isEqualTo(new WilsonInterval(0, 1));
  }
}
