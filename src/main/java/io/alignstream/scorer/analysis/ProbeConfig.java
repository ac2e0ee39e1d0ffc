package io.alignstream.scorer.analysis;

import java.util.Arrays;

/**
 * Every constant of the linear probe (Muttenthaler et al. 2023, as the seed paper uses it); the
 * defaults are the reference recipe, {@code withLambdas(0.1)} the seed paper's single lambda.
 *
 * @param lambdas penalty weights tried; the one with the lowest mean held-out cross-entropy wins
 * @param folds cross-validation folds over objects
 * @param seed fixes the object shuffle, the initial weights and the batch order
 * @param learningRate Adam step size
 * @param batchSize training triplets per Adam step
 * @param maxEpochs most passes over the training triplets
 * @param burnIn epochs always trained before early stopping may stop
 * @param patience epochs without an improvement of the held-out loss by more than {@code minDelta}
 *     after which training stops
 * @param minDelta smallest decrease of the held-out loss that counts as an improvement
 * @param clipNorm the gradient (W and b together) is rescaled to at most this Euclidean norm
 * @param initStd standard deviation of the normal initial entries of W
 * @param initBias initial value of every entry of b
 */
public record ProbeConfig(double[] lambdas, int folds, long seed, double learningRate, int batchSize,
    int maxEpochs, int burnIn, int patience, double minDelta, double clipNorm, double initStd, double initBias) {

  public ProbeConfig {
    lambdas = lambdas.clone();
    if (lambdas.length == 0) {
      throw new IllegalArgumentException("probe: at least one lambda is needed");
    }
    for (double lambda : lambdas) {
      if (!(lambda >= 0) || Double.isInfinite(lambda)) {
        throw new IllegalArgumentException("probe: lambda must be a finite number >= 0, got " + lambda);
      }
    }
    if (folds < 2) {
      throw new IllegalArgumentException("probe: folds must be >= 2, got " + folds);
    }
    if (!(learningRate > 0) || batchSize < 1 || maxEpochs < 1 || burnIn < 0 || patience < 1
        || !(minDelta >= 0) || !(clipNorm > 0) || !(initStd >= 0) || !Double.isFinite(initBias)) {
      throw new IllegalArgumentException("probe: learning rate, clip norm must be > 0; batch size, epochs,"
          + " patience >= 1; burn-in, min delta, init std >= 0 (got lr " + learningRate + ", batch " + batchSize
          + ", epochs " + maxEpochs + ", burn-in " + burnIn + ", patience " + patience + ", min delta " + minDelta
          + ", clip " + clipNorm + ", init std " + initStd + ")");
    }
  }

  /** The reference recipe: lambdas 1, 1e-1, ..., 1e-5; 3 folds; seed 0; Adam lr 1e-3; batch 256;
   *  100 epochs; burn-in 10; patience 10; min delta 1e-4; clip 1; W ~ N(0, 1e-3^2); b = 1e-3. */
  public static ProbeConfig defaults() {
    return new ProbeConfig(new double[] {1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5}, 3, 0, 1e-3, 256, 100, 10, 10,
        1e-4, 1.0, 1e-3, 1e-3);
  }

  @Override
  public double[] lambdas() {
    return lambdas.clone();
  }

  public ProbeConfig withLambdas(double... lambdas) {
    return new ProbeConfig(lambdas, folds, seed, learningRate, batchSize, maxEpochs, burnIn, patience, minDelta,
        clipNorm, initStd, initBias);
  }

  public ProbeConfig withSeed(long seed) {
    return new ProbeConfig(lambdas, folds, seed, learningRate, batchSize, maxEpochs, burnIn, patience, minDelta,
        clipNorm, initStd, initBias);
  }

  public ProbeConfig withMaxEpochs(int maxEpochs) {
    return new ProbeConfig(lambdas, folds, seed, learningRate, batchSize, maxEpochs, burnIn, patience, minDelta,
        clipNorm, initStd, initBias);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ProbeConfig c && Arrays.equals(lambdas, c.lambdas) && folds == c.folds
        && seed == c.seed && learningRate == c.learningRate && batchSize == c.batchSize
        && maxEpochs == c.maxEpochs && burnIn == c.burnIn && patience == c.patience && minDelta == c.minDelta
        && clipNorm == c.clipNorm && initStd == c.initStd && initBias == c.initBias;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(lambdas) + Long.hashCode(seed) + 7 * maxEpochs;
  }

  @Override
  public String toString() {
    return "ProbeConfig[lambdas=" + Arrays.toString(lambdas) + ", folds=" + folds + ", seed=" + seed
        + ", learningRate=" + learningRate + ", batchSize=" + batchSize + ", maxEpochs=" + maxEpochs
        + ", burnIn=" + burnIn + ", patience=" + patience + ", minDelta=" + minDelta + ", clipNorm=" + clipNorm
        + ", initStd=" + initStd + ", initBias=" + initBias + "]";
  }
}
