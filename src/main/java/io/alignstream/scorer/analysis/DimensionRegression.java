package io.alignstream.scorer.analysis;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.alignstream.scorer.state.OddOneOut;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Ridge regression of features onto human concept dimensions (docs/method.md, Regression): per
 * outer fold over shuffled objects ({@link ObjectFolds}), one {@link RidgeFit} on the training
 * objects serves every dimension and every alpha of the grid (alpha per dimension by exact
 * leave-one-out); the held-out objects' predicted dimensions give the R^2 per dimension
 * (1 - SS_res / SS_tot around the held-out mean; 1 when both are 0, 0 when only SS_tot is) and,
 * as a predicted human embedding with dot similarity, the odd-one-out accuracy on the triplets
 * whose three objects are held out together (pooled over the folds).
 */
public final class DimensionRegression {

  private DimensionRegression() {}

  public static RegressionReport run(float[][] features, float[][] targets, List<String> labels, int[][] triplets,
      RegressionConfig config) {
    return run(features, targets, labels, triplets, config, () -> false);
  }

  /** As the five-argument run; throws CancellationException once {@code cancelled} says so (checked every fold). */
  public static RegressionReport run(float[][] features, float[][] targets, List<String> labels, int[][] triplets,
      RegressionConfig config, BooleanSupplier cancelled) {
    int d = ObjectFolds.checkMatrix(features, "regression", "features");
    int m = ObjectFolds.checkMatrix(targets, "regression", "targets");
    int n = features.length;
    if (targets.length != n) {
      throw new IllegalArgumentException("regression: " + n + " feature rows but " + targets.length + " target rows");
    }
    if (labels != null && labels.size() != m) {
      throw new IllegalArgumentException("regression: " + labels.size() + " labels for " + m + " dimensions");
    }
    ObjectFolds.checkTriplets(triplets, n, "regression");
    ObjectFolds folds = ObjectFolds.shuffled(n, config.outerFolds(), config.seed());
    int[][] canonical = ObjectFolds.canonical(triplets);
    double[] r2 = new double[m];
    List<List<Double>> chosen = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      chosen.add(new ArrayList<>());
    }
    long heldOut = 0;
    long correct = 0;
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      for (int fold = 0; fold < folds.folds(); fold++) {
        if (cancelled.getAsBoolean()) {
          throw new CancellationException("regression cancelled");
        }
        int[] train = folds.objects(fold, false);
        int[] test = folds.objects(fold, true);
        if (train.length < 2) {
          throw new IllegalArgumentException("regression: fold " + fold + " has " + train.length
              + " training objects; at least 2 are needed");
        }
        RidgeFit fit = RidgeFit.fit(manager, flat(features, train), train.length, d, flat(targets, train), m,
            config.alphas());
        double[] predicted = fit.predict(flat(features, test), test.length, d);
        for (int j = 0; j < m; j++) {
          r2[j] += rSquared(targets, test, predicted, j, m) / folds.folds();
          chosen.get(j).add(fit.alphas()[j]);
        }
        int[] local = new int[n];
        for (int i = 0; i < test.length; i++) {
          local[test[i]] = i;
        }
        for (int[] t : folds.triplets(canonical, fold, true)) {
          heldOut++;
          int a = local[t[0]] * m;
          int p = local[t[1]] * m;
          int o = local[t[2]] * m;
          if (OddOneOut.modelAgrees(dot(predicted, a, p, m), dot(predicted, a, o, m), dot(predicted, p, o, m))) {
            correct++;
          }
        }
      }
    }
    List<DimensionScore> dimensions = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      dimensions.add(new DimensionScore(j, labels == null ? null : labels.get(j), r2[j], mostFrequent(chosen.get(j))));
    }
    double meanR2 = dimensions.stream().mapToDouble(DimensionScore::r2).average().orElseThrow();
    return new RegressionReport(meanR2, heldOut == 0 ? Double.NaN : (double) correct / heldOut, dimensions, n,
        heldOut);
  }

  private static double[] flat(float[][] rows, int[] objects) {
    int columns = rows[0].length;
    double[] out = new double[objects.length * columns];
    for (int i = 0; i < objects.length; i++) {
      for (int k = 0; k < columns; k++) {
        out[i * columns + k] = rows[objects[i]][k];
      }
    }
    return out;
  }

  private static double rSquared(float[][] targets, int[] test, double[] predicted, int j, int m) {
    double mean = 0;
    for (int object : test) {
      mean += targets[object][j] / (double) test.length;
    }
    double residual = 0;
    double total = 0;
    for (int i = 0; i < test.length; i++) {
      double y = targets[test[i]][j];
      residual += (y - predicted[i * m + j]) * (y - predicted[i * m + j]);
      total += (y - mean) * (y - mean);
    }
    if (total == 0) {
      return residual == 0 ? 1 : 0;
    }
    return 1 - residual / total;
  }

  private static double dot(double[] x, int a, int b, int m) {
    double sum = 0;
    for (int k = 0; k < m; k++) {
      sum += x[a + k] * x[b + k];
    }
    return sum;
  }

  /** The value chosen in most folds; the smallest of equally frequent ones. */
  private static double mostFrequent(List<Double> values) {
    double best = Double.NaN;
    long bestCount = 0;
    for (double value : values.stream().sorted().distinct().toList()) {
      long count = values.stream().filter(v -> v == value).count();
      if (count > bestCount) {
        best = value;
        bestCount = count;
      }
    }
    return best;
  }
}
