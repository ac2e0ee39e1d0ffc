package io.alignstream.scorer;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Setting;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.state.AlignmentMetrics;
import io.alignstream.scorer.state.ScoringState;
import io.alignstream.scorer.state.SettingState;
import io.alignstream.scorer.state.Similarity;

/**
 * The scorer's incremental state without Kafka: the same code the scoring processor runs, for
 * offline use and for measuring the scoring itself (see {@code alignstream bench scorer}).
 * Not thread-safe; all vectors stay in memory.
 */
public final class InProcessScorer {

  private final ScoringState state;

  public InProcessScorer(Similarity similarity) {
    this.state = new ScoringState(similarity, Long.MAX_VALUE, null);
  }

  /** Adds or replaces a response: three distinct items as shown and the human's odd position. */
  public void putTriplet(String id, String[] items, int oddPosition) {
    if (items.length != 3 || oddPosition < 0 || oddPosition > 2) {
      throw new IllegalArgumentException("a triplet has 3 items and an odd position 0..2");
    }
    state.putTriplet(id, items, oddPosition, ScoringState.IGNORE);
  }

  /** Sets an item's vector; false when its length differs from the setting's first vector. */
  public boolean putEmbedding(Setting setting, String item, float[] vector) {
    return state.putEmbedding(SettingKey.of(setting), setting, item, vector, ScoringState.IGNORE)
        != ScoringState.EmbeddingResult.DIMENSION_MISMATCH;
  }

  /** The setting's current metric, or null when it has no embedding. */
  public AlignmentMetric metric(String settingKey) {
    SettingState s = state.ready(settingKey);
    if (s == null) {
      return null;
    }
    AlignmentMetrics.Context context = new AlignmentMetrics.Context(s.embeddedCount(), state.embeddedAndReferenced(s),
        state.referencedItems(), AlignmentMetrics.Context.Ceiling.of(CeilingConfig.defaults().resolve(state.tripletSummary())));
    return AlignmentMetrics.of(s.setting(), s.correct(), s.total(), context, s.lastChange(), null, null);
  }

  /** Triplet evaluations run so far. */
  public long evaluations() {
    return state.evaluations();
  }
}
