package io.alignstream.scorer.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.alignstream.scorer.NpyTestReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The probe on features that hide the VICE embedding of THINGS behind a badly conditioned linear
 * map: VICE centred, its columns scaled over three orders of magnitude (10^0 .. 10^3, the largest
 * scales on the last, least important dimensions), rotated by a seeded random orthogonal matrix.
 * Cosine similarity on these features loses much of VICE's agreement with humans; a linear probe,
 * which can undo any linear map, must win most of it back. Real data: the 146,168 THINGS test
 * triplets and the 1854 x 42 VICE embedding from ../shared/data.
 */
class HiddenViceProbeTest {

  static final Path DATA = Path.of("..", "shared", "data");
  static final Path VICE = DATA.resolve("embeddings/vice_things_final_embedding_1854x42.npy");
  static final Path TRIPLETS = DATA.resolve("triplets/things_behavior_triplets_test10.txt");
  /** VICE's own zero-shot accuracy on the 146,168 triplets (dot or cosine: 0.645 / 0.644). */
  static final double VICE_ACCURACY = 0.644;

  @Test
  void probeRecoversTheHiddenEmbedding() throws IOException {
    assumeTrue(Files.exists(VICE) && Files.exists(TRIPLETS), "../shared/data is not here");
    float[][] vice = NpyTestReader.readMatrix(VICE);
    int[][] triplets = readTriplets(TRIPLETS);
    float[][] hidden = hide(vice, 7);
    ProbeReport report = LinearProbe.run(hidden, triplets, ProbeConfig.defaults().withLambdas(1e-3));
    System.out.println("hidden VICE probe: " + report);

    assertThat(report.objects()).isEqualTo(1854);
    assertThat(report.triplets()).isEqualTo(146_168);
    assertThat(report.folds()).hasSize(3);
    for (ProbeFold fold : report.folds()) {
      // about (2/3)^3 and (1/3)^3 of the triplets
      assertThat(fold.trainTriplets()).isBetween(41_000, 46_000);
      assertThat(fold.testTriplets()).isBetween(4_800, 6_000);
      assertThat(fold.epochs()).isBetween(20, 100);
    }
    // The hidden features lose much of VICE's 0.644 zero-shot ...
    assertThat(report.meanZeroShotAccuracy()).isLessThan(0.55);
    // ... and the probe wins most of it back (the PyTorch reference recipe: about 0.61).
    double recovered = (report.meanProbeAccuracy() - report.meanZeroShotAccuracy())
        / (VICE_ACCURACY - report.meanZeroShotAccuracy());
    assertThat(recovered).as("share of the gap recovered, probe %s", report).isGreaterThan(0.7);
    assertThat(report.meanProbeAccuracy()).isLessThan(VICE_ACCURACY + 0.01);
  }

  static float[][] hide(float[][] vice, long seed) {
    int n = vice.length;
    int d = vice[0].length;
    double[] mean = new double[d];
    for (float[] row : vice) {
      for (int k = 0; k < d; k++) {
        mean[k] += row[k] / (double) n;
      }
    }
    double[][] q = randomOrthogonal(d, seed);
    float[][] hidden = new float[n][d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double sum = 0;
        for (int k = 0; k < d; k++) {
          sum += (vice[i][k] - mean[k]) * Math.pow(10, 3.0 * k / (d - 1)) * q[k][j];
        }
        hidden[i][j] = (float) sum;
      }
    }
    return hidden;
  }

  /** Gram-Schmidt on seeded Gaussian columns. */
  static double[][] randomOrthogonal(int d, long seed) {
    Random random = new Random(seed);
    double[][] q = new double[d][d];
    for (int j = 0; j < d; j++) {
      double[] column = new double[d];
      for (int k = 0; k < d; k++) {
        column[k] = random.nextGaussian();
      }
      for (int pass = 0; pass < 2; pass++) {
        for (int prev = 0; prev < j; prev++) {
          double dot = 0;
          for (int k = 0; k < d; k++) {
            dot += column[k] * q[k][prev];
          }
          for (int k = 0; k < d; k++) {
            column[k] -= dot * q[k][prev];
          }
        }
      }
      double norm = 0;
      for (double x : column) {
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      for (int k = 0; k < d; k++) {
        q[k][j] = column[k] / norm;
      }
    }
    return q;
  }

  static int[][] readTriplets(Path file) throws IOException {
    return Files.readAllLines(file).stream().filter(line -> !line.isBlank())
        .map(line -> line.trim().split("\\s+"))
        .map(p -> new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])})
        .toArray(int[][]::new);
  }
}
