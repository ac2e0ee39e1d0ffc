package io.alignstream.scorer.state;

import io.alignstream.common.WilsonInterval;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Setting;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.ceiling.CeilingView;
import java.time.Instant;

/** Builds {@link AlignmentMetric} records from counts: accuracy, Wilson interval, coverage, ceiling. */
public final class AlignmentMetrics {

  private static final double CHANCE = CeilingView.CHANCE;

  private AlignmentMetrics() {}

  /** What a metric is computed from, besides the counts. */
  public record Context(int itemsEmbedded, int itemsEmbeddedReferenced, int itemsReferenced, Ceiling ceiling) {

    /** The ceiling in force (see {@link CeilingConfig}): null values when there is none with enough support. */
    public record Ceiling(Double value, Double leaveOneOut) {
      public static Ceiling of(CeilingView view) {
        return new Ceiling(view.value(), view.leaveOneOut());
      }
    }
  }

  public static AlignmentMetric of(Setting setting, long correct, long total, Context context, long updatedAt,
      Long windowStart, Long windowEnd) {
    double accuracy = total == 0 ? 0 : (double) correct / total;
    WilsonInterval interval = WilsonInterval.of(correct, total);
    Double ceiling = context.ceiling().value();
    Double loo = context.ceiling().leaveOneOut();
    return AlignmentMetric.newBuilder()
        .setSetting(setting)
        .setCorrect(correct)
        .setTotal(total)
        .setAccuracy(accuracy)
        .setCiLow(interval.low())
        .setCiHigh(interval.high())
        .setChance(CHANCE)
        .setItemsEmbedded(context.itemsEmbedded())
        .setItemsReferenced(context.itemsReferenced())
        .setCoverage(context.itemsReferenced() == 0 ? 0 : (double) context.itemsEmbeddedReferenced() / context.itemsReferenced())
        .setNoiseCeiling(ceiling)
        .setNoiseCeilingLoo(loo)
        .setNormalized(normalized(accuracy, total, ceiling))
        .setWindowStart(windowStart == null ? null : Instant.ofEpochMilli(windowStart))
        .setWindowEnd(windowEnd == null ? null : Instant.ofEpochMilli(windowEnd))
        .setUpdatedAt(Instant.ofEpochMilli(Math.max(0, updatedAt)))
        .build();
  }

  /**
   * (accuracy - 1/3) / (ceiling - 1/3), as Brain-Score normalizes; null without a ceiling,
   * without any scored triplet (there is no accuracy to normalize), or when the ceiling is
   * exactly chance (the ratio is undefined).
   */
  static Double normalized(double accuracy, long total, Double ceiling) {
    if (ceiling == null || total == 0 || ceiling == CHANCE) {
      return null;
    }
    return (accuracy - CHANCE) / (ceiling - CHANCE);
  }
}
