package io.alignstream.scorer.stream;

import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.DeadLetter;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;

/** What the scoring processor emits: cumulative or windowed metrics, probe and regression results, dead letters. */
sealed interface ScorerOutput permits ScorerOutput.Cumulative, ScorerOutput.Windowed, ScorerOutput.Probe,
    ScorerOutput.Regression, ScorerOutput.Rejected {

  record Cumulative(AlignmentMetric metric) implements ScorerOutput {}

  record Windowed(AlignmentMetric metric) implements ScorerOutput {}

  record Probe(ProbeResult result) implements ScorerOutput {}

  record Regression(RegressionResult result) implements ScorerOutput {}

  record Rejected(DeadLetter letter) implements ScorerOutput {}
}
