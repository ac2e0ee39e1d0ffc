package io.alignstream.scorer;

import io.alignstream.producer.ConceptList;
import io.alignstream.scorer.analysis.ProbeConfig;
import io.alignstream.scorer.analysis.RegressionConfig;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import io.alignstream.scorer.jobs.HumanTargets;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The probe, regression and noise-ceiling options of {@code score} and {@code demo}, in one
 * place. Every probe constant of the recipe can be changed; an option left out keeps the
 * recipe's default ({@link ProbeConfig#defaults()}, {@link RegressionConfig#defaults()}).
 */
public final class AnalysisOptions {

  @Option(names = "--targets", paramLabel = "FILE",
      description = "Human concept dimensions to regress from every setting: .npy (C or Fortran order) or "
          + "SPoSE-style text, one row per concept of the concept list (e.g. the VICE 1854 x 42 embedding).")
  Path targets;

  @Option(names = "--target-labels", paramLabel = "FILE", description = "Labels of the target dimensions, one per line.")
  Path targetLabels;

  @Option(names = "--probe-lambdas", split = ",", paramLabel = "L",
      description = "Lambda grid of the linear probe, chosen by held-out cross-entropy (default: 1,0.1,...,1e-5; "
          + "the seed paper used 0.1).")
  double[] probeLambdas;

  @Option(names = "--probe-folds", paramLabel = "N", description = "Cross-validation folds over objects (default: 3).")
  Integer probeFolds;

  @Option(names = "--probe-seed", paramLabel = "N", description = "Seed of the fold split and initialisation (default: 0).")
  Long probeSeed;

  @Option(names = "--probe-learning-rate", paramLabel = "R", description = "Adam learning rate (default: 1e-3).")
  Double probeLearningRate;

  @Option(names = "--probe-batch-size", paramLabel = "N", description = "Triplets per batch (default: 256).")
  Integer probeBatchSize;

  @Option(names = "--probe-max-epochs", paramLabel = "N", description = "Epochs at most (default: 100).")
  Integer probeMaxEpochs;

  @Option(names = "--probe-burn-in", paramLabel = "N", description = "Epochs before early stopping may stop (default: 10).")
  Integer probeBurnIn;

  @Option(names = "--probe-patience", paramLabel = "N",
      description = "Epochs without held-out improvement before stopping (default: 10).")
  Integer probePatience;

  @Option(names = "--probe-min-delta", paramLabel = "D", description = "Smallest improvement that counts (default: 1e-4).")
  Double probeMinDelta;

  @Option(names = "--probe-clip-norm", paramLabel = "C", description = "Gradient clipping norm (default: 1).")
  Double probeClipNorm;

  @Option(names = "--probe-init-std", paramLabel = "S", description = "Std of W's initialisation (default: 1e-3).")
  Double probeInitStd;

  @Option(names = "--probe-init-bias", paramLabel = "B", description = "Initial bias (default: 1e-3).")
  Double probeInitBias;

  @Option(names = "--regression-alphas", split = ",", paramLabel = "A",
      description = "Ridge alpha grid, chosen per dimension by leave-one-out (default: 1e-2,...,1e5).")
  double[] regressionAlphas;

  @Option(names = "--regression-folds", paramLabel = "N", description = "Outer folds over objects (default: 5).")
  Integer regressionFolds;

  @Option(names = "--regression-seed", paramLabel = "N", description = "Seed of the outer fold split (default: 0).")
  Long regressionSeed;

  @Option(names = "--analysis-threads", paramLabel = "N", defaultValue = "1",
      description = "Probe/regression jobs running at once, off the stream threads; 0 = none (default: ${DEFAULT-VALUE}).")
  int analysisThreads;

  @Option(names = "--analysis-coverage", paramLabel = "SHARE", defaultValue = "1",
      description = "Analyse a setting once this share of the objects the triplets name is embedded (default: "
          + "${DEFAULT-VALUE} = all).")
  double analysisCoverage;

  @Option(names = "--analysis-step", paramLabel = "SHARE", defaultValue = "0.1",
      description = "And again whenever that share, or the setting's triplets by this fraction, grew by this "
          + "much (default: ${DEFAULT-VALUE}).")
  double analysisStep;

  @Option(names = "--analysis-quiet", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
      description = "And whenever its inputs have been unchanged this long, e.g. 2s, 500ms (default: ${DEFAULT-VALUE}).")
  Duration analysisQuiet;

  @Option(names = "--ceiling-triplets", paramLabel = "FILE",
      description = "Noise ceiling from a dedicated repeated-triplet file (the THINGS noise-ceiling set: the "
          + "triplet format, rows that repeat) instead of the repeats among the streamed triplets.")
  Path ceilingTriplets;

  @Option(names = "--noise-ceiling", paramLabel = "VALUE",
      description = "A documented ceiling constant, e.g. 0.673 (Hebart et al. 2020); overrides measured ceilings.")
  Double noiseCeiling;

  @Option(names = "--ceiling-min-repeated", paramLabel = "N", defaultValue = "" + CeilingConfig.DEFAULT_MIN_REPEATED_TRIPLETS,
      description = "Repeated triplets a measured ceiling needs to be shown and to normalize accuracies "
          + "(default: ${DEFAULT-VALUE}); below, the ceiling is reported as unavailable.")
  int ceilingMinRepeated;

  /** Whether anything needs the concept list (the rows of --targets, the indices of --ceiling-triplets). */
  public boolean needsConcepts() {
    return targets != null || ceilingTriplets != null;
  }

  /** The analysis configuration; {@code targetItems} names the rows of --targets. */
  public AnalysisConfig analysis(ConceptList targetItems) {
    if (targetLabels != null && targets == null) {
      throw new IllegalArgumentException("--target-labels needs --targets");
    }
    ProbeConfig p = ProbeConfig.defaults();
    ProbeConfig probe = new ProbeConfig(probeLambdas != null ? probeLambdas : p.lambdas(), or(probeFolds, p.folds()),
        or(probeSeed, p.seed()), or(probeLearningRate, p.learningRate()), or(probeBatchSize, p.batchSize()),
        or(probeMaxEpochs, p.maxEpochs()), or(probeBurnIn, p.burnIn()), or(probePatience, p.patience()),
        or(probeMinDelta, p.minDelta()), or(probeClipNorm, p.clipNorm()), or(probeInitStd, p.initStd()),
        or(probeInitBias, p.initBias()));
    RegressionConfig r = RegressionConfig.defaults();
    RegressionConfig regression = new RegressionConfig(regressionAlphas != null ? regressionAlphas : r.alphas(),
        or(regressionFolds, r.outerFolds()), or(regressionSeed, r.seed()));
    AnalysisConfig config = AnalysisConfig.defaults().withProbe(probe).withRegression(regression)
        .withCoverage(analysisCoverage, analysisStep).withQuiet(analysisQuiet).withThreads(analysisThreads);
    return targets == null ? config : config.withTargets(HumanTargets.read(targets, targetLabels, targetItems));
  }

  /** The noise-ceiling configuration; {@code concepts} resolves the indices of --ceiling-triplets. */
  public CeilingConfig ceiling(ConceptList concepts) {
    CeilingConfig config = CeilingConfig.defaults().withMinRepeatedTriplets(ceilingMinRepeated);
    if (ceilingTriplets != null) {
      config = config.withTripletFile(ceilingTriplets, concepts);
    }
    return noiseCeiling == null ? config : config.withConstant(noiseCeiling);
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
