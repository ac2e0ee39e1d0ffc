package io.alignstream.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every model of an evaluation side by side (the seed paper's Figure 2, left): per model, its best
 * setting by zero-shot accuracy over every scored triplet, and that same setting's linear probe on
 * held-out triplets, as docs/method.md ("Model comparison") defines them and the demo's
 * {@code comparison} table reports them. One setting per model, so both values describe the same
 * representation; picking the probe's own best among many settings would select on the held-out
 * triplets. The {@code models} figure draws it and {@code models.csv} lists it; figures of other
 * papers are never among these rows ({@link PublishedResults}).
 */
final class ModelComparison {

  /**
   * One model.
   *
   * @param settings its settings with a scored triplet
   * @param zeroShot its setting with the highest accuracy (ties: the first in report order)
   * @param probe the probe of that setting, or null when it has none
   */
  record Row(String model, int settings, Results.Metric zeroShot, Results.Probe probe) {}

  private ModelComparison() {}

  /** The models with a scored setting, best zero-shot accuracy first. */
  static List<Row> of(Results results) {
    Map<String, Results.Metric> best = new LinkedHashMap<>();
    Map<String, Integer> settings = new LinkedHashMap<>();
    for (Results.Metric m : results.metrics()) {
      if (m.total() > 0) {
        best.merge(m.model(), m, (a, b) -> b.accuracy() > a.accuracy() ? b : a);
        settings.merge(m.model(), 1, Integer::sum);
      }
    }
    Map<String, Results.Probe> probes = new LinkedHashMap<>();
    results.probes().forEach(p -> probes.put(p.setting(), p));
    List<Row> rows = new ArrayList<>();
    best.forEach((model, metric) -> rows.add(new Row(model, settings.get(model), metric, probes.get(metric.setting()))));
    rows.sort(Comparator.comparingDouble((Row r) -> r.zeroShot().accuracy()).reversed());
    return rows;
  }
}
