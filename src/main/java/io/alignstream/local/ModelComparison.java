package io.alignstream.local;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.alignstream.common.SettingKey;
import io.alignstream.common.WilsonInterval;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeFoldResult;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.Setting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's model comparison (Linhardt et al. 2024, Figure 2, left): each model's best setting
 * (highest zero-shot accuracy; ties: the first in the demo's setting order) with its zero-shot
 * accuracy and its probed accuracy over the probe's held-out triplets of all folds pooled, each
 * with a Wilson 95% interval. docs/method.md ("Model comparison") defines them and says what the
 * probed interval leaves out; the demo prints the table last and writes the record as
 * {@code comparison} into {@code --report} (keys in docs/dashboard-and-report.md).
 *
 * @param bestBy how the best setting is chosen ({@value #BEST_BY})
 * @param models one row per model, in the demo's model order
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record ModelComparison(String bestBy, List<Row> models) {

  static final String BEST_BY = "zero_shot_accuracy";

  /**
   * One model's best setting.
   *
   * @param settings how many of the model's settings were compared
   * @param label the setting as the terminal tables show it ({@code s=0.2 TEXT}, {@code pool cls})
   * @param zeroShot over every scored triplet
   * @param probed over the probe's held-out triplets of all folds; null (as probeLambda and
   *     probeFinal) when the setting has no probe
   * @param probeFinal whether the probe was computed from every triplet and object of the setting
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record Row(String model, int settings, String setting, String layer, Double noiseLevel, Integer timestep,
      String conditioning, String pooling, String label, Accuracy zeroShot, Accuracy probed, Double probeLambda,
      Boolean probeFinal) {}

  /** correct of total triplets, their ratio and its Wilson 95% interval. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record Accuracy(long correct, long total, double accuracy, double ciLow, double ciHigh) {

    static Accuracy of(long correct, long total) {
      WilsonInterval interval = WilsonInterval.of(correct, total);
      return new Accuracy(correct, total, total == 0 ? 0 : (double) correct / total, interval.low(), interval.high());
    }
  }

  static ModelComparison of(MetricsFollower.Snapshot results, Comparator<Setting> order) {
    List<AlignmentMetric> sorted = new ArrayList<>(results.metrics().values());
    sorted.sort(Comparator.comparing(AlignmentMetric::getSetting, order));
    Map<String, AlignmentMetric> best = new LinkedHashMap<>();
    Map<String, Integer> settings = new LinkedHashMap<>();
    for (AlignmentMetric m : sorted) {
      String model = m.getSetting().getModelId();
      settings.merge(model, 1, Integer::sum);
      AlignmentMetric current = best.get(model);
      if (current == null || m.getAccuracy() > current.getAccuracy()) {
        best.put(model, m);
      }
    }
    List<Row> rows = new ArrayList<>();
    best.forEach((model, m) -> rows.add(row(m, settings.get(model), results.probes().get(SettingKey.of(m.getSetting())))));
    return new ModelComparison(BEST_BY, rows);
  }

  private static Row row(AlignmentMetric m, int settings, ProbeResult probe) {
    Setting s = m.getSetting();
    Accuracy zeroShot = new Accuracy(m.getCorrect(), m.getTotal(), m.getAccuracy(), m.getCiLow(), m.getCiHigh());
    boolean probed = probe != null && !probe.getFoldResults().isEmpty();
    return new Row(s.getModelId(), settings, SettingKey.of(s), s.getLayer(), s.getNoiseLevel(), s.getTimestep(),
        SettingKey.conditioning(s), s.getPooling(), SettingKey.describe(s), zeroShot,
        probed ? heldOut(probe) : null, probed ? probe.getLambda() : null,
        probed ? DemoResults.isFinal(probe, m) : null);
  }

  /** The probe's held-out triplets of all folds: correct = accuracy x test triplets, summed. */
  private static Accuracy heldOut(ProbeResult probe) {
    long[] tested = probe.getFoldResults().stream().mapToLong(ProbeFoldResult::getTestTriplets).toArray();
    double[] accuracies = probe.getFoldResults().stream().mapToDouble(ProbeFoldResult::getProbeAccuracy).toArray();
    return Accuracy.of(WilsonInterval.pooledSuccesses(tested, accuracies), Arrays.stream(tested).sum());
  }

  /** The terminal table: one line per model. */
  String table() {
    StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%nmodel comparison: each model's best setting "
        + "by zero-shot accuracy; 95%% Wilson intervals; probed = the linear probe on the held-out triplets of all "
        + "folds%n%-10s %-30s %-13s %9s  %-17s %8s  %-17s %8s%n", "model", "best layer", "setting", "zero-shot",
        "95% interval", "probed", "95% interval", "held out"));
    for (Row r : models) {
      Accuracy z = r.zeroShot();
      Accuracy p = r.probed();
      text.append(String.format(Locale.ROOT, "%-10s %-30s %-13s %9.4f  [%.4f, %.4f] %8s  %-17s %8s%n", r.model(),
          r.layer(), r.label(), z.accuracy(), z.ciLow(), z.ciHigh(),
          p == null ? "-" : String.format(Locale.ROOT, "%.4f%s", p.accuracy(), r.probeFinal() ? "" : "*"),
          p == null ? "" : String.format(Locale.ROOT, "[%.4f, %.4f]", p.ciLow(), p.ciHigh()),
          p == null ? "-" : String.valueOf(p.total())));
    }
    return text.toString();
  }
}
