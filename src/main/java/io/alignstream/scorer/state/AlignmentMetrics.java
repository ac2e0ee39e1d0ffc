package io.alignstream.scorer.state;

import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Setting;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.ceiling.CeilingView;
import java.time.Instant;

/** Builds {@link AlignmentMetric} records from counts: accuracy, Wilson interval, coverage, ceiling. */
public final class AlignmentMetrics {

  private static final double CHANCE = CeilingView.CHANCE;
  /** Two-sided 95% standard normal quantile. */
  private static final double Z = 1.959963984540054;

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
    double[] interval = wilson(correct, total);
    Double ceiling = context.ceiling().value();
    Double loo = context.ceiling().leaveOneOut();
    return AlignmentMetric.newBuilder()
        .setSetting(setting)
        .setCorrect(correct)
        .setTotal(total)
        .setAccuracy(accuracy)
        .setCiLow(interval[0])
        .setCiHigh(interval[1])
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

  /** Wilson 95% score interval; [0, 1] when nothing was scored. Public for the demo's model comparison. */
  public static double[] wilson(long successes, long trials) {
    if (trials == 0) {
      return new double[] {0, 1};
    }
    double n = trials;
    double p = successes / n;
    double z2 = Z * Z;
    double denominator = 1 + z2 / n;
    double center = (p + z2 / (2 * n)) / denominator;
    double half = Z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
    return new double[] {Math.max(0, center - half), Math.min(1, center + half)};
  }
}
