package io.alignstream.scorer.jobs;

import io.alignstream.scorer.analysis.ProbeConfig;
import io.alignstream.scorer.analysis.RegressionConfig;
import java.time.Duration;

/**
 * When and how the scorer probes settings and regresses human dimensions from them.
 *
 * @param probe the linear-probe recipe (lambda grid, folds, optimizer, early stopping)
 * @param regression the ridge recipe (alpha grid, outer folds)
 * @param targets human dimensions to regress; null: no regressions
 * @param coverageThreshold a setting is analysed once this share of the objects the triplets
 *     name is embedded in it (1 = all)
 * @param coverageStep and again whenever its coverage, or its triplets by this fraction, have
 *     grown by this much since the last job
 * @param quiet and whenever its inputs have not changed for this long (and differ from the last
 *     job's): the result over everything that arrived
 * @param threads jobs running at once in this instance, off the stream threads; 0 = no jobs
 * @param queueLimit settings waiting for a job at most; beyond, a due setting waits for the next
 *     tick (never the stream thread)
 */
public record AnalysisConfig(ProbeConfig probe, RegressionConfig regression, HumanTargets targets,
    double coverageThreshold, double coverageStep, Duration quiet, int threads, int queueLimit) {

  public AnalysisConfig {
    if (!(coverageThreshold > 0 && coverageThreshold <= 1)) {
      throw new IllegalArgumentException("the coverage threshold must be in (0, 1], got " + coverageThreshold);
    }
    if (!(coverageStep > 0 && coverageStep <= 1)) {
      throw new IllegalArgumentException("the coverage step must be in (0, 1], got " + coverageStep);
    }
    if (quiet.isNegative()) {
      throw new IllegalArgumentException("the quiet time must not be negative, got " + quiet);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("analysis threads must be >= 0 (0 = none), got " + threads);
    }
    if (queueLimit < 1) {
      throw new IllegalArgumentException("the analysis queue must hold at least 1 job, got " + queueLimit);
    }
  }

  public static AnalysisConfig defaults() {
    return new AnalysisConfig(ProbeConfig.defaults(), RegressionConfig.defaults(), null, 1.0, 0.1, Duration.ofSeconds(2), 1,
        64);
  }

  public AnalysisConfig withProbe(ProbeConfig config) {
    return new AnalysisConfig(config, regression, targets, coverageThreshold, coverageStep, quiet, threads, queueLimit);
  }

  public AnalysisConfig withRegression(RegressionConfig config) {
    return new AnalysisConfig(probe, config, targets, coverageThreshold, coverageStep, quiet, threads, queueLimit);
  }

  public AnalysisConfig withTargets(HumanTargets humanTargets) {
    return new AnalysisConfig(probe, regression, humanTargets, coverageThreshold, coverageStep, quiet, threads, queueLimit);
  }

  public AnalysisConfig withCoverage(double threshold, double step) {
    return new AnalysisConfig(probe, regression, targets, threshold, step, quiet, threads, queueLimit);
  }

  public AnalysisConfig withQuiet(Duration time) {
    return new AnalysisConfig(probe, regression, targets, coverageThreshold, coverageStep, time, threads, queueLimit);
  }

  public AnalysisConfig withThreads(int count) {
    return new AnalysisConfig(probe, regression, targets, coverageThreshold, coverageStep, quiet, count, queueLimit);
  }

  /** Whether jobs run at all (threads > 0). */
  public boolean enabled() {
    return threads > 0;
  }
}
