package io.alignstream.scorer.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.alignstream.scorer.NpyTestReader;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Regression onto the VICE dimensions of THINGS (real data from ../shared/data). */
class DimensionRegressionTest {

  @Test
  void viceOntoItselfAndThroughAHiddenMapExplainsEveryDimension() throws IOException {
    assumeThat(Files.exists(HiddenViceProbeTest.VICE) && Files.exists(HiddenViceProbeTest.TRIPLETS)).isTrue();
    float[][] vice = NpyTestReader.readMatrix(HiddenViceProbeTest.VICE);
    int[][] triplets = HiddenViceProbeTest.readTriplets(HiddenViceProbeTest.TRIPLETS);
    List<String> labels = IntStream.range(0, 42).mapToObj(j -> "dim" + j).toList();
    for (float[][] features : List.of(vice, HiddenViceProbeTest.hide(vice, 11))) {
      RegressionReport report = DimensionRegression.run(features, vice, labels, triplets, RegressionConfig.defaults());
      assertThat(report.dimensions()).hasSize(42);
      for (DimensionScore score : report.dimensions()) {
        assertThat(score.r2()).as("R^2 of %s", score).isGreaterThan(0.99);
        assertThat(score.label()).isEqualTo("dim" + score.index());
      }
      assertThat(report.objects()).isEqualTo(1854);
      // about 146,168 / 5^2 held-out triplets, all three objects in one of the 5 folds
      assertThat(report.heldOutTriplets()).isBetween(5_000L, 6_700L);
      // the predicted embedding is VICE itself, up to a little shrinkage: VICE's accuracy (0.645) within sampling error
      assertThat(report.predictedOooa()).isBetween(0.61, 0.68);
    }
  }

  @Test
  void sameInputsInAnyOrderGiveTheSameReport() {
    Random random = new Random(5);
    float[][] features = new float[60][8];
    float[][] targets = new float[60][3];
    for (int i = 0; i < 60; i++) {
      for (int k = 0; k < 8; k++) {
        features[i][k] = (float) random.nextGaussian();
      }
      for (int j = 0; j < 3; j++) {
        targets[i][j] = features[i][j] * 2 + features[i][j + 3] + (float) random.nextGaussian() * 0.5f;
      }
    }
    List<int[]> triplets = new ArrayList<>();
    for (int t = 0; t < 3000; t++) {
      int a = random.nextInt(60);
      int b = (a + 1 + random.nextInt(59)) % 60;
      int c = random.nextInt(60);
      if (c != a && c != b) {
        triplets.add(new int[] {a, b, c});
      }
    }
    RegressionReport first = DimensionRegression.run(features, targets, null, triplets.toArray(int[][]::new),
        RegressionConfig.defaults());
    Collections.shuffle(triplets, new Random(1));
    List<int[]> swapped = triplets.stream().map(t -> new int[] {t[1], t[0], t[2]}).toList();
    RegressionReport second = DimensionRegression.run(features, targets, null, swapped.toArray(int[][]::new),
        RegressionConfig.defaults());
    assertThat(second).isEqualTo(first);
    assertThat(first.meanR2()).isGreaterThan(0.5);
  }

  @Test
  void mismatchedInputsAreRejectedClearly() {
    float[][] features = new float[10][3];
    assertThatThrownBy(() -> DimensionRegression.run(features, new float[9][2], null, new int[0][],
        RegressionConfig.defaults())).hasMessage("regression: 10 feature rows but 9 target rows");
    assertThatThrownBy(() -> DimensionRegression.run(features, new float[10][2], List.of("a"), new int[0][],
        RegressionConfig.defaults())).hasMessage("regression: 1 labels for 2 dimensions");
    assertThatThrownBy(() -> DimensionRegression.run(features, new float[10][2], null, new int[][] {{1, 2, 10}},
        RegressionConfig.defaults())).hasMessage("regression: triplet 0 [1, 2, 10] refers to object 10 outside 0..9");
  }
}
