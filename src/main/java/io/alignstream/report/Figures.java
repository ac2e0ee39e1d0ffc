package io.alignstream.report;

import static io.alignstream.report.FigureStyle.FONT;
import static io.alignstream.report.FigureStyle.LEFT;
import static io.alignstream.report.FigureStyle.PANEL_W;
import static io.alignstream.report.FigureStyle.PLOT_H;
import static io.alignstream.report.FigureStyle.RIGHT;
import static io.alignstream.report.FigureStyle.TOP;

import io.alignstream.common.WilsonInterval;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The figures of a report and of the live dashboard (the scorer serves them, so both show the
 * same drawing of the same numbers), as SVG:
 * <ul>
 *   <li>{@code accuracy-MODEL}: odd-one-out accuracy with its Wilson 95% interval per layer, as
 *       curves over the noise level, one panel per conditioning (the seed paper's Figure 2), for a
 *       model evaluated at two or more noise levels; otherwise (a vision model's pooled settings,
 *       the pixel baseline) as points per layer, one marker per pooling;
 *   <li>{@code probes-MODEL}: linearly probed (filled, solid) and zero-shot (open, dashed) accuracy
 *       on the held-out triplets of the probe's folds, the probed ones with their interval;
 *   <li>{@code r2-MODEL}: held-out R^2 of each human dimension per setting, a heat-map (Figure 3);
 *   <li>{@code models}: each model's best setting, zero-shot and probed, with intervals (Figure 2,
 *       left), and below them, apart, published figures the user gave.
 * </ul>
 * A figure is one or more panels, each a complete SVG with its own legend: the report's page
 * and the dashboard lay them out side by side where there is room and one below the other on a
 * phone; the SVG file holds them side by side. Every text is laid out with room for its
 * estimated width ({@link FigureStyle#textWidth}) and every point carries its numbers in
 * {@code data-*} attributes. A figure without data says why, and carries {@code data-empty}.
 */
public final class Figures {

  /** The kinds of an accuracy in {@code data-kind}: probed, and zero-shot where it is shown beside it. */
  static final String PROBE = "probe";
  static final String ZERO_SHOT = "zero-shot";
  private static final int PANEL_GAP = 16;

  /**
   * One figure: a file-safe name (without extension), a caption, the SVG file's text, and its
   * panels, each a complete SVG (one panel: the file itself).
   */
  public record Figure(String name, String caption, String svg, List<String> panels) {

    public Figure(String name, String caption, String svg) {
      this(name, caption, svg, List.of(svg));
    }

    /** A figure of several panels: the file shows them side by side, aligned at the top. */
    static Figure ofPanels(String name, String caption, List<Svg> panels) {
      if (panels.size() == 1) {
        return new Figure(name, caption, panels.get(0).finish());
      }
      int width = panels.stream().mapToInt(Svg::width).sum() + PANEL_GAP * (panels.size() - 1);
      int height = panels.stream().mapToInt(Svg::height).max().orElseThrow();
      Svg file = new Svg(width, height, caption, name);
      List<String> texts = new ArrayList<>();
      int x = 0;
      for (Svg panel : panels) {
        String text = panel.finish();
        texts.add(text);
        file.nested(text, x);
        x += panel.width() + PANEL_GAP;
      }
      return new Figure(name, caption, file.finish(), texts);
    }

    public boolean isEmpty() {
      return svg.startsWith("<svg data-empty=\"true\"");
    }
  }

  private Figures() {}

  /** Every figure of a report: the models side by side, then per model accuracy, probes and R^2. */
  public static List<Figure> all(Results results) {
    List<Figure> figures = new ArrayList<>();
    figures.add(models(results));
    for (String model : results.models()) {
      figures.addAll(ofModel(results, model));
    }
    return figures;
  }

  /** The figures of one model: accuracy, probes, R^2. */
  public static List<Figure> ofModel(Results results, String model) {
    return List.of(accuracy(results, model), probes(results, model), R2HeatMap.of(results, model));
  }

  /** Every model side by side, and published figures apart. */
  public static Figure models(Results results) {
    return ModelsFigure.of(results);
  }

  static String fileName(String prefix, String model) {
    return prefix + "-" + model.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  static Figure accuracy(Results results, String model) {
    String name = fileName("accuracy", model);
    List<Results.Metric> rows = results.metrics().stream().filter(m -> m.model().equals(model) && m.total() > 0)
        .toList();
    String caption = "Odd-one-out accuracy of " + model + " on every scored triplet, per layer"
        + (AccuracyPanels.overNoise(rows) ? " and noise level" : "") + ", with Wilson 95% intervals";
    if (rows.isEmpty()) {
      return empty(name, caption, "no scored triplets for " + model + " yet");
    }
    List<AccuracyPanels.Mark> marks = rows.stream().map(m -> new AccuracyPanels.Mark(m, "accuracy", m.accuracy(),
        new WilsonInterval(m.ciLow(), m.ciHigh()), true, null, true,
        String.format(Locale.ROOT, "%s: accuracy %.4f (95%% CI %.4f-%.4f), %d / %d", m.setting(), m.accuracy(),
            m.ciLow(), m.ciHigh(), m.correct(), m.total()),
        "data-accuracy", Svg.value(m.accuracy()), "data-ci-low", Svg.value(m.ciLow()), "data-ci-high",
        Svg.value(m.ciHigh()))).toList();
    return AccuracyPanels.figure(name, caption, results, model, marks, List.of());
  }

  static Figure probes(Results results, String model) {
    String name = fileName("probes", model);
    List<Results.Probe> rows = results.probes().stream().filter(p -> p.model().equals(model)).toList();
    String caption = "Linear probe (filled, solid) and zero-shot (open, dashed) odd-one-out accuracy of " + model
        + " on held-out triplets: each fold's test triplets, whose three objects the probe never saw in training. "
        + "The probed values carry Wilson 95% intervals over the held-out triplets of all folds. The zero-shot "
        + "values are on these held-out triplets only, so they differ from the accuracy over every triplet of the "
        + "figure above.";
    if (rows.isEmpty()) {
      return empty(name, caption, noProbes(results, model));
    }
    List<AccuracyPanels.Mark> marks = new ArrayList<>();
    for (Results.Probe p : rows) {
      WilsonInterval probed = p.interval();
      if (p.meanZeroShotAccuracy() != null) {
        WilsonInterval zs = p.zeroShotInterval();
        marks.add(new AccuracyPanels.Mark(p, ZERO_SHOT, p.meanZeroShotAccuracy(), zs, false, "5 4", false,
            String.format(Locale.ROOT, "%s: zero-shot %.4f on %d held-out triplets (95%% CI %.4f-%.4f)", p.setting(),
                p.meanZeroShotAccuracy(), p.heldOutTriplets(), zs.low(), zs.high()),
            "data-kind", ZERO_SHOT, "data-accuracy", Svg.value(p.meanZeroShotAccuracy()),
            "data-ci-low", Svg.value(zs.low()), "data-ci-high", Svg.value(zs.high())));
      }
      marks.add(new AccuracyPanels.Mark(p, PROBE, p.meanProbeAccuracy(), probed, true, null, !p.folds().isEmpty(),
          String.format(Locale.ROOT, "%s: probed %.4f on %d held-out triplets (95%% CI %.4f-%.4f; lambda %s, %d "
              + "folds)", p.setting(), p.meanProbeAccuracy(), p.heldOutTriplets(), probed.low(), probed.high(),
              Svg.value(p.lambda()), p.folds().size()),
          "data-kind", PROBE, "data-accuracy", Svg.value(p.meanProbeAccuracy()),
          "data-ci-low", p.folds().isEmpty() ? null : Svg.value(probed.low()),
          "data-ci-high", p.folds().isEmpty() ? null : Svg.value(probed.high()),
          "data-held-out", p.heldOutTriplets(), "data-lambda", Svg.value(p.lambda())));
    }
    return AccuracyPanels.figure(name, caption, results, model, marks,
        List.of(AccuracyPanels.LegendEntry.line("probed (held-out)", "#333333", null, true),
            AccuracyPanels.LegendEntry.line("zero-shot (held-out)", "#333333", "5 4", false)));
  }

  /** Why a model has no probe: not run, failed, or not there yet. */
  static String noProbes(Results results, String model) {
    Results.Analyses analyses = results.analyses();
    String failure = analyses.failure("probe", model);
    if (Boolean.FALSE.equals(analyses.probes())) {
      return "probes not computed: --analysis-threads 0";
    } else if (failure != null) {
      return "probe failed for " + failure;
    }
    return "no probe results for " + model + (analyses.probes() == null ? "" : " yet");
  }

  /** Why a model has no regression: not requested, failed, or not there yet. */
  static String noRegressions(Results results, String model) {
    Results.Analyses analyses = results.analyses();
    String failure = analyses.failure("regression", model);
    if (Boolean.FALSE.equals(analyses.probes())) {
      return "regressions not computed: --analysis-threads 0";
    } else if (Boolean.FALSE.equals(analyses.regressions())) {
      return "regression not requested: --targets";
    } else if (failure != null) {
      return "regression failed for " + failure;
    }
    return analyses.regressions() == null ? "no regression results for " + model + " (regressions need --targets)"
        : "no regression results for " + model + " yet";
  }

  // ---------------------------------------------------------------- shared drawing

  /** A figure that says why it has nothing to show, in lines that fit its width. */
  static Figure empty(String name, String caption, String message) {
    List<String> lines = wrap(message, PANEL_W - 16);
    Svg svg = new Svg(PANEL_W, 34 + lines.size() * 18, caption, name);
    for (int i = 0; i < lines.size(); i++) {
      svg.text("text", lines.get(i), "x", 8.0, "y", 26.0 + i * 18, "fill", FigureStyle.TEXT_GREY, "class",
          "no-data");
    }
    return new Figure(name, caption, svg.finish().replaceFirst("<svg ", "<svg data-empty=\"true\" "));
  }

  private static List<String> wrap(String text, double width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      String candidate = line.isEmpty() ? word : line + " " + word;
      if (!line.isEmpty() && FigureStyle.textWidth(candidate, FONT, false) > width) {
        lines.add(line.toString());
        line = new StringBuilder(word);
      } else {
        line = new StringBuilder(candidate);
      }
    }
    lines.add(FigureStyle.fit(line.toString(), width, FONT, false, false));
    return lines;
  }

  /** A linear map from data to pixels; ticks at round numbers, or at the given values (noise levels measured). */
  record Scale(double min, double max, double from, double to, List<Double> fixedTicks) {

    /** Accuracy axes: the data range widened to 0.05 steps, within [0, 1]. */
    static Scale accuracy(double low, double high) {
      double min = Math.max(0, Math.floor(low * 20 - 0.5) / 20);
      double max = Math.min(1, Math.ceil(high * 20 + 0.5) / 20);
      return new Scale(min, max, TOP + PLOT_H, TOP, null);
    }

    /** Noise axes: from 0 (or one level centred) to the highest level, ticked at the levels present. */
    static Scale noise(double[] levels) {
      TreeSet<Double> distinct = new TreeSet<>();
      for (double l : levels) {
        distinct.add(l);
      }
      double min = Math.min(0, distinct.first());
      double max = distinct.last();
      double pad = (max - min) * 0.05;
      return new Scale(min - pad, max + pad, LEFT, PANEL_W - RIGHT, List.copyOf(distinct));
    }

    double at(double v) {
      return from + (v - min) / (max - min) * (to - from);
    }

    List<Double> ticks() {
      if (fixedTicks != null) {
        return fixedTicks;
      }
      double span = max - min;
      double step = span > 0.6 ? 0.2 : span > 0.3 ? 0.1 : span > 0.12 ? 0.05 : 0.02;
      List<Double> ticks = new ArrayList<>();
      for (double t = Math.ceil(min / step - 1e-9) * step; t <= max + 1e-9; t += step) {
        ticks.add(Math.round(t * 1000) / 1000.0);
      }
      return ticks;
    }
  }
}
