package io.alignstream.scorer.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Determinism, arrival-order independence and input checks of the probe, on small planted data. */
class LinearProbeTest {

  private static final ProbeConfig QUICK = ProbeConfig.defaults().withLambdas(1e-2, 1e-4).withMaxEpochs(3);

  @Test
  void sameInputsInAnyOrderGiveTheSameReport() {
    Random random = new Random(9);
    float[][] features = new float[90][6];
    for (float[] row : features) {
      for (int k = 0; k < row.length; k++) {
        row[k] = (float) random.nextGaussian();
      }
    }
    List<int[]> triplets = new ArrayList<>();
    while (triplets.size() < 6000) {
      int a = random.nextInt(90);
      int b = random.nextInt(90);
      int c = random.nextInt(90);
      if (a != b && a != c && b != c) {
        // the planted "human" keeps the pair closest in the first two features together
        double ab = distance(features[a], features[b]);
        double ac = distance(features[a], features[c]);
        double bc = distance(features[b], features[c]);
        triplets.add(ab <= ac && ab <= bc ? new int[] {a, b, c} : ac <= bc ? new int[] {a, c, b} : new int[] {b, c, a});
      }
    }
    ProbeReport first = LinearProbe.run(features, triplets.toArray(int[][]::new), QUICK);
    Collections.shuffle(triplets, new Random(2));
    List<int[]> swapped = triplets.stream().map(t -> new int[] {t[1], t[0], t[2]}).toList();
    ProbeReport second = LinearProbe.run(features, swapped.toArray(int[][]::new), QUICK);
    assertThat(second).isEqualTo(first);
    assertThat(first.objects()).isEqualTo(90);
    assertThat(first.triplets()).isEqualTo(6000);
    assertThat(first.folds()).extracting(ProbeFold::epochs).containsOnly(3);
    // every fold's train and test triplets have their three objects on one side: 30 + 60 objects per fold
    for (ProbeFold fold : first.folds()) {
      assertThat(fold.trainTriplets() + fold.testTriplets()).isLessThan(6000);
    }
  }

  private static double distance(float[] x, float[] y) {
    return Math.hypot(x[0] - y[0], x[1] - y[1]);
  }

  @Test
  void badInputIsRejectedClearly() {
    float[][] features = new float[6][2];
    assertThatThrownBy(() -> LinearProbe.run(features, new int[][] {{0, 0, 1}}, QUICK))
        .hasMessage("probe: triplet 0 [0, 0, 1] repeats an object");
    assertThatThrownBy(() -> LinearProbe.run(features, new int[][] {{0, 1, 2}}, QUICK))
        .hasMessage("probe: every feature value is the same; they cannot be standardized");
    features[1][1] = 1;
    assertThatThrownBy(() -> LinearProbe.run(features, new int[][] {{0, 1, 2}}, QUICK))
        .hasMessageStartingWith("probe: fold 0 has 0 training and 0 held-out triplets");
    assertThatThrownBy(() -> QUICK.withLambdas(-1)).hasMessage("probe: lambda must be a finite number >= 0, got -1.0");
  }
}
