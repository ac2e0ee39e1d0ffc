package io.alignstream.scorer.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AlignmentMetricsTest {

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
