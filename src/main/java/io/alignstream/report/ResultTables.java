package io.alignstream.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The report's CSV files: RFC 4180 (comma, double quotes where needed, header row), one value
 * per cell in long form, an empty cell for a missing value, so that {@code pandas.read_csv} and
 * R's {@code read.csv} load them as they are (empty -> NaN / NA).
 */
public final class ResultTables {

  /** A file name and its rows, the first being the header. */
  public record Table(String fileName, List<List<Object>> rows) {
    public String csv() {
      StringBuilder out = new StringBuilder();
      for (List<Object> row : rows) {
        for (int i = 0; i < row.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          out.append(cell(row.get(i)));
        }
        out.append("\r\n");
      }
      return out.toString();
    }
  }

  private ResultTables() {}

  /** The tables of a report; {@code published.csv} only where the user gave published figures. */
  static List<Table> all(Results results) {
    List<Table> tables = new ArrayList<>(List.of(settings(results), probes(results), probeFolds(results),
        regressions(results), ceiling(results), models(results)));
    if (!results.published().isEmpty()) {
      tables.add(published(results));
    }
    return tables;
  }

  static Table settings(Results results) {
    List<List<Object>> rows = new ArrayList<>();
    rows.add(List.of("setting", "model", "layer", "noise_level", "conditioning", "pooling", "correct", "total", "accuracy",
        "ci_low", "ci_high", "normalized", "coverage"));
    for (Results.Metric m : results.metrics()) {
      rows.add(row(m.setting(), m.model(), m.layer(), m.noiseLevel(), m.conditioning(), m.pooling(), m.correct(), m.total(),
          m.accuracy(), m.ciLow(), m.ciHigh(), m.normalized(), m.coverage()));
    }
    return new Table("settings.csv", rows);
  }

  static Table probes(Results results) {
    List<List<Object>> rows = new ArrayList<>();
    rows.add(List.of("setting", "model", "layer", "noise_level", "conditioning", "pooling", "lambda", "mean_probe_accuracy",
        "mean_zero_shot_accuracy", "folds", "held_out_triplets", "probe_ci_low", "probe_ci_high", "zero_shot_ci_low",
        "zero_shot_ci_high"));
    for (Results.Probe p : results.probes()) {
      boolean folds = !p.folds().isEmpty();
      boolean zeroShot = folds && p.meanZeroShotAccuracy() != null;
      rows.add(row(p.setting(), p.model(), p.layer(), p.noiseLevel(), p.conditioning(), p.pooling(), p.lambda(),
          p.meanProbeAccuracy(), p.meanZeroShotAccuracy(), p.folds().size(), p.heldOutTriplets(),
          folds ? p.interval().low() : null, folds ? p.interval().high() : null,
          zeroShot ? p.zeroShotInterval().low() : null, zeroShot ? p.zeroShotInterval().high() : null));
    }
    return new Table("probes.csv", rows);
  }

  static Table probeFolds(Results results) {
    List<List<Object>> rows = new ArrayList<>();
    rows.add(List.of("setting", "fold", "train_triplets", "test_triplets", "probe_accuracy", "zero_shot_accuracy",
        "cross_entropy", "epochs"));
    for (Results.Probe p : results.probes()) {
      for (Results.Fold f : p.folds()) {
        rows.add(row(p.setting(), f.fold(), f.trainTriplets(), f.testTriplets(), f.probeAccuracy(),
            f.zeroShotAccuracy(), f.crossEntropy(), f.epochs()));
      }
    }
    return new Table("probe_folds.csv", rows);
  }

  static Table regressions(Results results) {
    List<List<Object>> rows = new ArrayList<>();
    rows.add(List.of("setting", "model", "layer", "noise_level", "conditioning", "pooling", "mean_r2", "predicted_oooa",
        "dimension", "label", "r2", "alpha"));
    for (Results.Regression r : results.regressions()) {
      for (Results.Dimension d : r.dimensions()) {
        rows.add(row(r.setting(), r.model(), r.layer(), r.noiseLevel(), r.conditioning(), r.pooling(), r.meanR2(),
            r.predictedOooa(), d.index(), d.name(), d.r2(), d.alpha()));
      }
    }
    return new Table("regressions.csv", rows);
  }

  static Table ceiling(Results results) {
    Results.Ceiling c = results.ceiling();
    List<List<Object>> rows = new ArrayList<>();
    rows.add(List.of("value", "ci_low", "ci_high", "repeated_triplets", "responses", "source", "chance"));
    rows.add(row(c.value(), c.ciLow(), c.ciHigh(), c.repeatedTriplets(), c.responses(), c.source(), Results.CHANCE));
    return new Table("noise_ceiling.csv", rows);
  }

  /** The comparison of the models (the figure {@code models}): each model's best setting and its probe. */
  public static Table models(Results results) {
    List<List<Object>> rows = new ArrayList<>();
    rows.add(List.of("model", "settings", "setting", "zero_shot_accuracy", "zero_shot_ci_low",
        "zero_shot_ci_high", "triplets", "probed_accuracy", "probed_ci_low", "probed_ci_high", "held_out_triplets"));
    for (ModelComparison.Row r : ModelComparison.of(results)) {
      Results.Metric m = r.zeroShot();
      Results.Probe p = r.probe();
      boolean interval = p != null && !p.folds().isEmpty();
      rows.add(row(r.model(), r.settings(), m.setting(), m.accuracy(), m.ciLow(), m.ciHigh(), m.total(),
          p == null ? null : p.heldOutAccuracy(),
          interval ? p.interval().low() : null, interval ? p.interval().high() : null,
          p == null ? null : p.heldOutTriplets()));
    }
    return new Table("models.csv", rows);
  }

  /** The published figures the user gave, as read (never mixed into models.csv). */
  public static Table published(Results results) {
    List<List<Object>> rows = new ArrayList<>();
    rows.add(new ArrayList<>(PublishedResults.COLUMNS));
    for (PublishedResults.Row p : results.published()) {
      PublishedResults.Accuracy z = p.zeroShot();
      PublishedResults.Accuracy q = p.probed();
      rows.add(row(p.model(), z == null ? null : z.value(), z == null ? null : z.low(), z == null ? null : z.high(),
          q == null ? null : q.value(), q == null ? null : q.low(), q == null ? null : q.high(), p.source()));
    }
    return new Table("published.csv", rows);
  }

  private static List<Object> row(Object... cells) {
    List<Object> row = new ArrayList<>(cells.length);
    for (Object cell : cells) {
      row.add(cell);
    }
    return row;
  }

  /** Doubles as Java writes them (round-trip exact); noise levels are plain doubles too. */
  private static String cell(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Double d && !Double.isFinite(d)) {
      return "";
    }
    String text = value.toString();
    if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
      return '"' + text.replace("\"", "\"\"") + '"';
    }
    return text;
  }
}
