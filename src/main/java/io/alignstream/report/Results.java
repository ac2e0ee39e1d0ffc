package io.alignstream.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.common.SettingKey;
import io.alignstream.common.WilsonInterval;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Setting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Everything the figures and tables of a report show: the odd-one-out metric per setting, the
 * linear probes, the regressions onto human dimensions, the noise ceiling and which analyses the
 * scorer ran, read from a demo report JSON, from the output topics (see {@link TopicResults}) or
 * from a live scorer; beside them, and never mixed with them, figures of other papers the user
 * gave ({@link PublishedResults}). The JSON keys are those of docs/architecture.md ("Results as
 * JSON"); unknown keys are ignored.
 */
public record Results(List<Metric> metrics, List<Probe> probes, List<Regression> regressions, Ceiling ceiling,
    Analyses analyses, List<PublishedResults.Row> published) {

  public static final double CHANCE = 1.0 / 3;

  /** A result of one setting, with the setting's parts spelled out for plotting. */
  public interface Located {
    String setting();

    String model();

    String layer();

    /** Null in a pooled setting. */
    Double noiseLevel();

    /** Null in a pooled setting. */
    String conditioning();

    /** Null in a diffusion setting. */
    String pooling();

    /** Noise level and conditioning, or the pooling (see {@link SettingKey#describe}). */
    default String detail() {
      return SettingKey.describe(SettingKey.parse(setting()));
    }
  }

  /** Odd-one-out accuracy of one setting with its Wilson 95% interval. */
  public record Metric(String setting, String model, String layer, Double noiseLevel, String conditioning,
      String pooling, long correct, long total, double accuracy, double ciLow, double ciHigh, Double normalized, double coverage)
      implements Located {

    public WilsonInterval interval() {
      return new WilsonInterval(ciLow, ciHigh);
    }

    /** The metric as the scorer publishes it on {@code oooa}. */
    static Metric of(AlignmentMetric m) {
      Setting s = m.getSetting();
      return new Metric(SettingKey.of(s), s.getModelId(), s.getLayer(), s.getNoiseLevel(), SettingKey.conditioning(s),
          s.getPooling(), m.getCorrect(), m.getTotal(), m.getAccuracy(), m.getCiLow(), m.getCiHigh(), m.getNormalized(),
          m.getCoverage());
    }
  }

  /** One cross-validation fold of a probe. */
  public record Fold(int fold, long trainTriplets, long testTriplets, double probeAccuracy, double zeroShotAccuracy,
      double crossEntropy, int epochs) {}

  /** A linear probe of one setting: the chosen lambda and the held-out accuracies. */
  public record Probe(String setting, String model, String layer, Double noiseLevel, String conditioning,
      String pooling, double lambda, double meanProbeAccuracy, Double meanZeroShotAccuracy, List<Fold> folds)
      implements Located {

    /** Triplets the folds held out (each fold's test triplets: all three objects unseen in training). */
    public long heldOutTriplets() {
      return folds.stream().mapToLong(Fold::testTriplets).sum();
    }

    /** Wilson 95% interval of the probed accuracy over the held-out triplets of every fold pooled. */
    public WilsonInterval interval() {
      return WilsonInterval.pooled(folds.stream().mapToLong(Fold::testTriplets).toArray(),
          folds.stream().mapToDouble(Fold::probeAccuracy).toArray());
    }

    /**
     * The probed accuracy over the held-out triplets of every fold pooled (each fold's correct
     * count is its accuracy times its test triplets): the value {@link #interval()} is about.
     */
    public double heldOutAccuracy() {
      long total = heldOutTriplets();
      return total == 0 ? meanProbeAccuracy : (double) WilsonInterval.pooledSuccesses(
          folds.stream().mapToLong(Fold::testTriplets).toArray(), folds.stream().mapToDouble(Fold::probeAccuracy).toArray())
          / total;
    }

    /** Likewise for the zero-shot accuracy on the same held-out triplets. */
    public WilsonInterval zeroShotInterval() {
      return WilsonInterval.pooled(folds.stream().mapToLong(Fold::testTriplets).toArray(),
          folds.stream().mapToDouble(Fold::zeroShotAccuracy).toArray());
    }
  }

  /** Held-out R^2 of one human dimension. */
  public record Dimension(int index, String label, double r2, Double alpha) {
    /** The label, or "dim N" (1-based, as the VICE papers count) when the file had none. */
    public String name() {
      return label != null && !label.isBlank() ? label : "dim " + (index + 1);
    }
  }

  /** A regression of the human dimensions from one setting's features. */
  public record Regression(String setting, String model, String layer, Double noiseLevel, String conditioning,
      String pooling, double meanR2, Double predictedOooa, List<Dimension> dimensions) implements Located {}

  /** The noise ceiling with its support; {@code value} is null when unavailable. */
  public record Ceiling(Double value, Double ciLow, Double ciHigh, Long repeatedTriplets, Long responses,
      String source) {
    static final Ceiling UNAVAILABLE = new Ceiling(null, null, null, null, null, null);

    /** A bare ceiling value, computed by the scorer from this run's repeated triplets. */
    static Ceiling ofRun(double value) {
      return new Ceiling(value, null, null, null, null, "repeated triplets of this run");
    }
  }

  /**
   * Which analyses the scorer ran, so that a figure without results can say why: {@code null}
   * where the source does not tell (the output topics).
   *
   * @param probes whether it probes settings (it does unless --analysis-threads 0)
   * @param regressions whether it regresses human dimensions (only with --targets)
   * @param failures jobs that failed, by slot ({@code probe|SETTING}, {@code regression|SETTING}), with the reason
   */
  public record Analyses(Boolean probes, Boolean regressions, Map<String, String> failures) {
    static final Analyses UNKNOWN = new Analyses(null, null, Map.of());

    static Analyses fromJson(JsonNode node) {
      if (!node.isObject()) {
        return UNKNOWN;
      }
      Map<String, String> failures = new LinkedHashMap<>();
      node.path("failures").fields().forEachRemaining(f -> failures.put(f.getKey(), f.getValue().asText()));
      return new Analyses(node.path("probes").isBoolean() ? node.get("probes").asBoolean() : null,
          node.path("regressions").isBoolean() ? node.get("regressions").asBoolean() : null, failures);
    }

    /** The first failure of a job of {@code kind} (probe, regression) for a setting of {@code model}, or null. */
    String failure(String kind, String model) {
      return failures.entrySet().stream().filter(f -> f.getKey().startsWith(kind + "|" + model + "|"))
          .map(f -> f.getKey().substring(kind.length() + 1) + ": " + f.getValue()).findFirst().orElse(null);
    }
  }

  /** Results without figures of other papers. */
  public Results(List<Metric> metrics, List<Probe> probes, List<Regression> regressions, Ceiling ceiling,
      Analyses analyses) {
    this(metrics, probes, regressions, ceiling, analyses, List.of());
  }

  /** The same results with published figures beside them (see {@link PublishedResults}). */
  public Results withPublished(List<PublishedResults.Row> rows) {
    return new Results(metrics, probes, regressions, ceiling, analyses, List.copyOf(rows));
  }

  /** Reads a demo report ({@code demo --report}) or any JSON with the same keys. */
  public static Results fromJson(JsonNode report) {
    List<Metric> metrics = new ArrayList<>();
    for (JsonNode row : report.path("settings")) {
      Setting s = setting(row);
      metrics.add(new Metric(SettingKey.of(s), s.getModelId(), s.getLayer(), s.getNoiseLevel(),
          SettingKey.conditioning(s), s.getPooling(), row.path("correct").asLong(), row.path("total").asLong(),
          number(row, "accuracy"), number(row, "ci_low"), number(row, "ci_high"), optional(row, "normalized"),
          row.path("coverage").asDouble(Double.NaN)));
    }
    List<Probe> probes = new ArrayList<>();
    for (JsonNode p : report.path("probes")) {
      probes.add(probe(p));
    }
    List<Regression> regressions = new ArrayList<>();
    for (JsonNode r : report.path("regressions")) {
      regressions.add(regression(r));
    }
    return new Results(metrics, probes, regressions, ceiling(report), Analyses.fromJson(report.path("analyses")));
  }

  static Probe probe(JsonNode p) {
    Setting s = setting(p);
    List<Fold> folds = new ArrayList<>();
    for (JsonNode f : p.path("folds")) {
      folds.add(new Fold(f.path("fold").asInt(), f.path("train_triplets").asLong(), f.path("test_triplets").asLong(),
          number(f, "probe_accuracy"), f.path("zero_shot_accuracy").asDouble(Double.NaN),
          f.path("cross_entropy").asDouble(Double.NaN), f.path("epochs").asInt()));
    }
    return new Probe(SettingKey.of(s), s.getModelId(), s.getLayer(), s.getNoiseLevel(), SettingKey.conditioning(s),
        s.getPooling(), number(p, "lambda"), number(p, "mean_probe_accuracy"), optional(p, "mean_zero_shot_accuracy"),
        folds);
  }

  static Regression regression(JsonNode r) {
    Setting s = setting(r);
    List<Dimension> dimensions = new ArrayList<>();
    for (JsonNode d : r.path("dimensions")) {
      JsonNode label = d.path("label");
      dimensions.add(new Dimension(d.path("index").asInt(), label.isTextual() ? label.asText() : null,
          number(d, "r2"), optional(d, "alpha")));
    }
    return new Regression(SettingKey.of(s), s.getModelId(), s.getLayer(), s.getNoiseLevel(),
        SettingKey.conditioning(s), s.getPooling(), number(r, "mean_r2"), optional(r, "predicted_oooa"), dimensions);
  }

  /** The ceiling object of the contract, or the older report's bare {@code noise_ceiling} number. */
  static Ceiling ceiling(JsonNode report) {
    JsonNode c = report.path("noise_ceiling");
    if (c.isNumber()) {
      return Ceiling.ofRun(c.asDouble());
    }
    if (!c.isObject()) {
      return Ceiling.UNAVAILABLE;
    }
    JsonNode value = c.has("value") ? c.get("value") : c.path("noise_ceiling");
    return new Ceiling(value.isNumber() ? value.asDouble() : null, optional(c, "ci_low"), optional(c, "ci_high"),
        c.path("repeated_triplets").isNumber() ? c.get("repeated_triplets").asLong() : null,
        c.path("responses").isNumber() ? c.get("responses").asLong() : null,
        c.path("source").isTextual() ? c.get("source").asText() : null);
  }

  /** The setting of a row: its {@code setting} key, which names model, layer and noise level and conditioning or pooling. */
  private static Setting setting(JsonNode row) {
    JsonNode key = row.path("setting");
    if (!key.isTextual()) {
      throw new IllegalArgumentException("a result row has no 'setting' string: " + row);
    }
    return SettingKey.parse(key.asText());
  }

  private static double number(JsonNode row, String field) {
    JsonNode value = row.path(field);
    if (!value.isNumber()) {
      throw new IllegalArgumentException("result for '" + row.path("setting").asText("?") + "' has no number '"
          + field + "'");
    }
    return value.asDouble();
  }

  private static Double optional(JsonNode row, String field) {
    JsonNode value = row.path(field);
    return value.isNumber() ? value.asDouble() : null;
  }

  /** Models in order of first appearance across metrics, probes and regressions. */
  public List<String> models() {
    Set<String> models = new LinkedHashSet<>();
    metrics.forEach(m -> models.add(m.model()));
    probes.forEach(p -> models.add(p.model()));
    regressions.forEach(r -> models.add(r.model()));
    return List.copyOf(models);
  }

  /** The layers of {@code model} in {@link FigureStyle#layerOrder}. */
  public List<String> layers(String model) {
    Set<String> layers = new LinkedHashSet<>();
    located().filter(r -> r.model().equals(model)).forEach(r -> layers.add(r.layer()));
    return FigureStyle.layerOrder(layers);
  }

  /**
   * How a setting is labelled among the other settings of its model: its layer, then what else
   * tells it apart (see {@link #label(Located, List)}).
   */
  public String label(Located r) {
    return label(r, located().filter(o -> o.model().equals(r.model())).toList());
  }

  /**
   * How a setting is labelled among {@code others} (the columns of a figure, say): its layer, then
   * the pooling of a pooled setting; a diffusion setting's noise level and conditioning only where
   * {@code others} have more than one of them (so the pixel baseline's settings, all at noise 0
   * and NONE, are just their layers).
   */
  public static String label(Located r, List<? extends Located> others) {
    if (r.pooling() != null) {
      return r.layer() + " \u00b7 " + r.pooling();
    }
    List<? extends Located> diffusion = others.stream().filter(o -> o.noiseLevel() != null).toList();
    StringBuilder label = new StringBuilder(r.layer());
    if (diffusion.stream().map(Located::noiseLevel).distinct().count() > 1) {
      label.append(" \u00b7 s=").append(SettingKey.formatNoise(r.noiseLevel()));
    }
    if (diffusion.stream().map(Located::conditioning).distinct().count() > 1) {
      label.append(" \u00b7 ").append(r.conditioning());
    }
    return label.toString();
  }

  private Stream<Located> located() {
    return Stream.of(metrics.stream(), probes.stream(), regressions.stream()).flatMap(s -> s.map(r -> (Located) r));
  }
}
