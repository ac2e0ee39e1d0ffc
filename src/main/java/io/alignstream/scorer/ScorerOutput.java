package io.alignstream.scorer;

import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.DeadLetter;

/** What the scoring processor emits: cumulative or windowed metrics, and dead letters. */
sealed interface ScorerOutput permits ScorerOutput.Cumulative, ScorerOutput.Windowed, ScorerOutput.Rejected {

  record Cumulative(AlignmentMetric metric) implements ScorerOutput {}

  record Windowed(AlignmentMetric metric) implements ScorerOutput {}

  record Rejected(DeadLetter letter) implements ScorerOutput {}
}
