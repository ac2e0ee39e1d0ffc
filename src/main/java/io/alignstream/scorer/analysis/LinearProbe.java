package io.alignstream.scorer.analysis;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.alignstream.scorer.state.OddOneOut;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Linear probe on odd-one-out triplets, the recipe of Muttenthaler et al. (2023) as the seed
 * paper uses it (docs/method.md, Probing). Features are standardized with one global mean and
 * (population) standard deviation; the probe maps them to X W + b and is trained per fold and
 * lambda with Adam on the softmax cross-entropy of the three pair dot-similarities plus
 * lambda ||W||_F ({@link ProbeObjective}); the lambda with the lowest mean held-out
 * cross-entropy is reported.
 *
 * <p>Training per fold: W ~ N(0, initStd^2), b = initBias; each epoch visits the fold's training
 * triplets in a fresh seeded order in batches of {@code batchSize} (the last one smaller); each
 * batch's gradient (W and b together) is rescaled to norm {@code clipNorm} when larger
 * (coefficient clip / (norm + 1e-6), as torch's clip_grad_norm_) and applied by Adam (betas 0.9,
 * 0.999, eps 1e-8, bias-corrected, as torch.optim.Adam). After each epoch the held-out
 * cross-entropy is measured; an epoch improves when it is lower than the best so far by more than
 * {@code minDelta}; training stops after {@code patience} epochs in a row without improvement,
 * but never before {@code burnIn} epochs, and at the latest after {@code maxEpochs}. The fold
 * reports the held-out cross-entropy and accuracy of the weights at that last epoch.
 *
 * <p>Every lambda of a fold starts from the same initial weights and sees the same batch order,
 * so lambdas are compared on equal terms. Results depend only on the features (row = object),
 * the multiset of triplets (they are sorted canonically first), the configuration and the number
 * of PyTorch threads (float sums in matrix products may round differently across thread counts).
 */
public final class LinearProbe {

  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPSILON = 1e-8;

  private LinearProbe() {}

  public static ProbeReport run(float[][] features, int[][] triplets, ProbeConfig config) {
    return run(features, triplets, config, () -> false);
  }

  /** As {@link #run(float[][], int[][], ProbeConfig)}; throws CancellationException once {@code cancelled} says so (checked every epoch). */
  public static ProbeReport run(float[][] features, int[][] triplets, ProbeConfig config, BooleanSupplier cancelled) {
    int dim = ObjectFolds.checkMatrix(features, "probe", "features");
    ObjectFolds.checkTriplets(triplets, features.length, "probe");
    int[][] canonical = ObjectFolds.canonical(triplets);
    ObjectFolds folds = ObjectFolds.shuffled(features.length, config.folds(), config.seed());
    float[][] standardized = standardized(features);
    ProbeObjective objective = new ProbeObjective(features.length, dim);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      List<FoldData> data = new ArrayList<>();
      for (int fold = 0; fold < folds.folds(); fold++) {
        data.add(FoldData.of(manager, features, standardized, canonical, folds, fold));
      }
      double bestLoss = Double.POSITIVE_INFINITY;
      ProbeReport best = null;
      for (double lambda : config.lambdas()) {
        List<ProbeFold> results = new ArrayList<>();
        double loss = 0;
        for (FoldData fold : data) {
          ProbeFold result = train(manager, objective, fold, lambda, config, cancelled);
          results.add(result);
          loss += result.crossEntropy();
        }
        loss /= results.size();
        if (loss < bestLoss) {
          bestLoss = loss;
          best = new ProbeReport(lambda, results.stream().mapToDouble(ProbeFold::probeAccuracy).average().orElseThrow(),
              results.stream().mapToDouble(ProbeFold::zeroShotAccuracy).average().orElseThrow(), results,
              features.length, triplets.length);
        }
      }
      if (best == null) {
        throw new IllegalStateException("probe: every lambda gave a non-finite held-out loss");
      }
      return best;
    }
  }

  /** One fold's rows and triplets, indexed locally: training rows and triplets, test rows and triplets. */
  private record FoldData(int fold, NDArray trainRows, int[][] train, NDArray testRows, int[][] test,
      double zeroShotAccuracy) {

    static FoldData of(NDManager manager, float[][] raw, float[][] standardized, int[][] triplets,
        ObjectFolds folds, int fold) {
      int[][] train = folds.triplets(triplets, fold, false);
      int[][] test = folds.triplets(triplets, fold, true);
      if (train.length == 0 || test.length == 0) {
        throw new IllegalArgumentException("probe: fold " + fold + " has " + train.length + " training and "
            + test.length + " held-out triplets (a triplet counts only when its three objects are on one side);"
            + " more objects or triplets are needed");
      }
      int[] trainObjects = folds.objects(fold, false);
      int[] testObjects = folds.objects(fold, true);
      return new FoldData(fold, rows(manager, standardized, trainObjects), relabel(train, trainObjects, raw.length),
          rows(manager, standardized, testObjects), relabel(test, testObjects, raw.length),
          cosineAccuracy(raw, test));
    }

    private static NDArray rows(NDManager manager, float[][] matrix, int[] objects) {
      int dim = matrix[0].length;
      float[] flat = new float[objects.length * dim];
      for (int i = 0; i < objects.length; i++) {
        System.arraycopy(matrix[objects[i]], 0, flat, i * dim, dim);
      }
      return manager.create(flat, new Shape(objects.length, dim));
    }

    private static int[][] relabel(int[][] triplets, int[] objects, int total) {
      int[] local = new int[total];
      for (int i = 0; i < objects.length; i++) {
        local[objects[i]] = i;
      }
      int[][] relabelled = new int[triplets.length][];
      for (int r = 0; r < triplets.length; r++) {
        int[] t = triplets[r];
        relabelled[r] = new int[] {local[t[0]], local[t[1]], local[t[2]]};
      }
      return relabelled;
    }
  }

  private static ProbeFold train(NDManager manager, ProbeObjective objective, FoldData fold, double lambda,
      ProbeConfig config, BooleanSupplier cancelled) {
    int dim = (int) fold.trainRows().getShape().get(1);
    long foldSeed = config.seed() * 1_000_003L + fold.fold();
    Random init = new Random(foldSeed);
    float[] weights = new float[dim * dim];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) (init.nextGaussian() * config.initStd());
    }
    float[] b = new float[dim];
    Arrays.fill(b, (float) config.initBias());
    try (NDManager run = manager.newSubManager()) {
      NDArray w = run.create(weights, new Shape(dim, dim));
      NDArray m = run.zeros(w.getShape());
      NDArray v = run.zeros(w.getShape());
      double[] mb = new double[dim];
      double[] vb = new double[dim];
      Random order = new Random(foldSeed ^ 0x5DEECE66DL);
      int[][] train = fold.train().clone();
      long step = 0;
      double best = Double.POSITIVE_INFINITY;
      int stale = 0;
      int epoch = 0;
      ProbeObjective.Evaluation heldOut = null;
      while (epoch < config.maxEpochs()) {
        if (cancelled.getAsBoolean()) {
          throw new CancellationException("probe cancelled");
        }
        shuffle(train, order);
        for (int from = 0; from < train.length; from += config.batchSize()) {
          int to = Math.min(train.length, from + config.batchSize());
          step++;
          try (NDScope scope = new NDScope()) {
            ProbeObjective.Gradient g = objective.gradient(run, fold.trainRows(), w, b, train, from, to, lambda);
            double squared = Math.pow(g.w().norm().getFloat(), 2);
            for (float x : g.b()) {
              squared += (double) x * x;
            }
            double norm = Math.sqrt(squared);
            double clip = norm > config.clipNorm() ? config.clipNorm() / (norm + 1e-6) : 1;
            adam(w, m, v, g.w(), clip, step, config.learningRate());
            double c1 = 1 - Math.pow(BETA1, step);
            double root2 = Math.sqrt(1 - Math.pow(BETA2, step));
            for (int k = 0; k < dim; k++) {
              double gk = g.b()[k] * clip;
              mb[k] = BETA1 * mb[k] + (1 - BETA1) * gk;
              vb[k] = BETA2 * vb[k] + (1 - BETA2) * gk * gk;
              b[k] -= (float) (config.learningRate() / c1 * mb[k] / (Math.sqrt(vb[k]) / root2 + EPSILON));
            }
          }
        }
        epoch++;
        heldOut = objective.evaluate(fold.testRows(), w, b, fold.test());
        if (heldOut.crossEntropy() < best - config.minDelta()) {
          best = heldOut.crossEntropy();
          stale = 0;
        } else {
          stale++;
        }
        if (stale >= config.patience() && epoch >= config.burnIn()) {
          break;
        }
      }
      return new ProbeFold(fold.fold(), fold.train().length, fold.test().length, heldOut.accuracy(),
          fold.zeroShotAccuracy(), heldOut.crossEntropy(), epoch);
    }
  }

  /**
   * torch.optim.Adam's update of {@code w} in place, with the gradient scaled by {@code clip}:
   * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, w -= lr / c1 * m / (sqrt(v) / sqrt(c2) + eps) with
   * c_i = 1 - b_i^step, the scalar factors folded so that each d x d pass is one PyTorch operation.
   * Consumes {@code gradient}.
   */
  private static void adam(NDArray w, NDArray m, NDArray v, NDArray gradient, double clip, long step, double lr) {
    double c1 = 1 - Math.pow(BETA1, step);
    double root2 = Math.sqrt(1 - Math.pow(BETA2, step));
    v.muli(BETA2).addi(gradient.square().muli((1 - BETA2) * clip * clip));
    m.muli(BETA1).addi(gradient.muli((1 - BETA1) * clip));
    NDArray denominator = v.sqrt().addi(EPSILON * root2).divi(lr * root2 / c1);
    w.subi(m.div(denominator));
  }

  private static void shuffle(int[][] rows, Random random) {
    for (int i = rows.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int[] t = rows[i];
      rows[i] = rows[j];
      rows[j] = t;
    }
  }

  /** (x - mean) / std with one mean and one population standard deviation over every entry. */
  static float[][] standardized(float[][] features) {
    double sum = 0;
    long count = 0;
    for (float[] row : features) {
      for (float x : row) {
        sum += x;
      }
      count += row.length;
    }
    double mean = sum / count;
    double squares = 0;
    for (float[] row : features) {
      for (float x : row) {
        squares += (x - mean) * (x - mean);
      }
    }
    double std = Math.sqrt(squares / count);
    if (!(std > 0)) {
      throw new IllegalArgumentException("probe: every feature value is the same; they cannot be standardized");
    }
    float[][] out = new float[features.length][];
    for (int i = 0; i < features.length; i++) {
      out[i] = new float[features[i].length];
      for (int k = 0; k < out[i].length; k++) {
        out[i][k] = (float) ((features[i][k] - mean) / std);
      }
    }
    return out;
  }

  /** Held-out accuracy of the raw features with cosine similarity (the scorer's zero-shot measure). */
  static double cosineAccuracy(float[][] features, int[][] triplets) {
    double[] norms = new double[features.length];
    for (int i = 0; i < features.length; i++) {
      norms[i] = Math.sqrt(dot(features[i], features[i]));
    }
    int correct = 0;
    for (int[] t : triplets) {
      double s0 = cosine(features, norms, t[0], t[1]);
      double s1 = cosine(features, norms, t[0], t[2]);
      double s2 = cosine(features, norms, t[1], t[2]);
      if (OddOneOut.modelAgrees(s0, s1, s2)) {
        correct++;
      }
    }
    return (double) correct / triplets.length;
  }

  private static double cosine(float[][] features, double[] norms, int i, int j) {
    return norms[i] == 0 || norms[j] == 0 ? 0 : dot(features[i], features[j]) / (norms[i] * norms[j]);
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int k = 0; k < a.length; k++) {
      sum += (double) a[k] * b[k];
    }
    return sum;
  }
}
