package io.alignstream.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Setting;
import io.alignstream.scorer.ceiling.CeilingView;
import io.alignstream.scorer.http.ProbeView;
import io.alignstream.scorer.http.RegressionView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --report} file: what the run was, every setting with correct, total and accuracy,
 * and beside them the keys other tools read (see docs/dashboard-and-report.md): {@code probes},
 * {@code regressions} (as REST serves them), the {@code noise_ceiling} object and the model
 * {@code comparison} ({@link ModelComparison}).
 */
final class DemoReport {

  private DemoReport() {}

  static void write(Path file, Map<String, Object> run, MetricsFollower.Snapshot results, CeilingView ceiling,
      Comparator<Setting> order, ModelComparison comparison) {
    List<AlignmentMetric> sorted = new ArrayList<>(results.metrics().values());
    sorted.sort(Comparator.comparing(AlignmentMetric::getSetting, order));
    List<Map<String, Object>> settings = new ArrayList<>();
    List<ProbeView> probes = new ArrayList<>();
    List<RegressionView> regressions = new ArrayList<>();
    for (AlignmentMetric m : sorted) {
      Setting s = m.getSetting();
      String key = SettingKey.of(s);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("setting", key);
      row.put("model", s.getModelId());
      row.put("layer", s.getLayer());
      row.put("noise_level", s.getNoiseLevel());
      row.put("timestep", s.getTimestep());
      row.put("conditioning", SettingKey.conditioning(s));
      row.put("pooling", s.getPooling());
      row.put("correct", m.getCorrect());
      row.put("total", m.getTotal());
      row.put("accuracy", m.getAccuracy());
      row.put("ci_low", m.getCiLow());
      row.put("ci_high", m.getCiHigh());
      row.put("coverage", m.getCoverage());
      row.put("normalized", m.getNormalized());
      settings.add(row);
      if (results.probes().containsKey(key)) {
        probes.add(ProbeView.of(results.probes().get(key)));
      }
      if (results.regressions().containsKey(key)) {
        regressions.add(RegressionView.of(results.regressions().get(key)));
      }
    }
    Map<String, Object> report = new LinkedHashMap<>(run);
    report.put("chance", 1.0 / 3);
    report.put("noise_ceiling", ceiling);
    report.put("settings", settings);
    report.put("probes", probes);
    report.put("regressions", regressions);
    report.put("comparison", comparison);
    try {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), report);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report " + file, e);
    }
  }
}
