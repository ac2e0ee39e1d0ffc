package io.alignstream.common;

import java.util.Arrays;

/**
 * The Wilson 95% score interval of a proportion: every accuracy the pipeline reports carries one
 * (the odd-one-out accuracy of a setting over its scored triplets, a probe's over its held-out
 * triplets). Unlike the normal approximation it stays inside [0, 1] and is honest for small
 * counts and for accuracies near 0 or 1.
 */
public record WilsonInterval(double low, double high) {

  /** Two-sided 95% standard normal quantile. */
  private static final double Z = 1.959963984540054;

  /** The interval of {@code successes} out of {@code trials}; [0, 1] when there were none. */
  public static WilsonInterval of(long successes, long trials) {
    if (trials == 0) {
      return new WilsonInterval(0, 1);
    }
    double n = trials;
    double p = successes / n;
    double z2 = Z * Z;
    double denominator = 1 + z2 / n;
    double center = (p + z2 / (2 * n)) / denominator;
    double half = Z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
    return new WilsonInterval(Math.max(0, center - half), Math.min(1, center + half));
  }

  /**
   * The interval over several groups of trials pooled, each known by its size and accuracy (the
   * folds of a probe: test triplets and held-out accuracy); each group's successes are its
   * accuracy times its size, rounded, since an accuracy is a count over the size.
   */
  public static WilsonInterval pooled(long[] trials, double[] accuracies) {
    return of(pooledSuccesses(trials, accuracies), Arrays.stream(trials).sum());
  }

  /** The successes of several groups pooled: each group's accuracy times its size, rounded. */
  public static long pooledSuccesses(long[] trials, double[] accuracies) {
    long successes = 0;
    for (int i = 0; i < trials.length; i++) {
      successes += Math.round(accuracies[i] * trials[i]);
    }
    return successes;
  }
}
