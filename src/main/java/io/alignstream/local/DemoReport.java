package io.alignstream.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --report} file: every setting with correct, total and accuracy, plus what the run was. */
final class DemoReport {

  private DemoReport() {}

  static void write(Path file, Map<String, Object> run, Map<String, AlignmentMetric> metrics,
      Comparator<Setting> order) {
    List<AlignmentMetric> sorted = new ArrayList<>(metrics.values());
    sorted.sort(Comparator.comparing(AlignmentMetric::getSetting, order));
    List<Map<String, Object>> settings = new ArrayList<>();
    Double ceiling = null;
    Double ceilingLeaveOneOut = null;
    for (AlignmentMetric m : sorted) {
      Setting s = m.getSetting();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("setting", SettingKey.of(s));
      row.put("model", s.getModelId());
      row.put("layer", s.getLayer());
      row.put("noise_level", s.getNoiseLevel());
      row.put("timestep", s.getTimestep());
      row.put("conditioning", s.getConditioning().name());
      row.put("correct", m.getCorrect());
      row.put("total", m.getTotal());
      row.put("accuracy", m.getAccuracy());
      row.put("ci_low", m.getCiLow());
      row.put("ci_high", m.getCiHigh());
      row.put("coverage", m.getCoverage());
      row.put("normalized", m.getNormalized());
      settings.add(row);
      ceiling = m.getNoiseCeiling() != null ? m.getNoiseCeiling() : ceiling;
      ceilingLeaveOneOut = m.getNoiseCeilingLoo() != null ? m.getNoiseCeilingLoo() : ceilingLeaveOneOut;
    }
    Map<String, Object> report = new LinkedHashMap<>(run);
    report.put("chance", 1.0 / 3);
    report.put("noise_ceiling", ceiling);
    report.put("noise_ceiling_loo", ceilingLeaveOneOut);
    report.put("settings", settings);
    try {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), report);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report " + file, e);
    }
  }
}
