package io.alignstream.report;

import io.alignstream.common.SettingKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The report's figures as SVG, drawn the way the live dashboard draws them (same panels, colours,
 * axis labels and {@code data-*} attributes; see dashboard.html):
 * <ul>
 *   <li>{@code accuracy-MODEL}: odd-one-out accuracy against noise level, one line per layer, one
 *       panel per conditioning, Wilson 95% intervals as bands, chance and noise ceiling as lines
 *       (the seed paper's Figure 2);
 *   <li>{@code probes-MODEL}: linearly probed (solid) next to zero-shot (dashed) accuracy per layer;
 *   <li>{@code r2-MODEL}: held-out R^2 of each human dimension per setting, a heat-map (Figure 3);
 *   <li>{@code models}: the best setting of each model with its interval.
 * </ul>
 * A figure without data says so in its body and carries {@code data-empty="true"}.
 */
public final class Figures {

  /**
   * Paul Tol's "muted" scheme: nine colours that stay distinct for every common colour-vision
   * deficiency, one per UNet layer (Down0 .. Up3), so no two layers ever share a colour.
   */
  static final List<String> PALETTE = List.of("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
      "#CC6677", "#882255", "#AA4499");
  static final String CHANCE_COLOUR = "#777777";
  static final String CEILING_COLOUR = "#000000";
  static final String NOISE_AXIS = "noise level s (fraction of the diffusion schedule)";
  static final String ACCURACY_AXIS = "odd-one-out accuracy (fraction correct)";
  static final String R2_AXIS = "held-out R\u00b2 (fraction of variance explained)";

  private static final int PANEL_W = 380;
  private static final int PANEL_H = 280;
  private static final int LEFT = 56;
  private static final int RIGHT = 14;
  private static final int TOP = 30;
  private static final int BOTTOM = 46;
  private static final int LEGEND_W = 120;

  /** One figure: a file-safe name (without extension), a caption and the SVG text. */
  public record Figure(String name, String caption, String svg) {}

  private Figures() {}

  /** Every figure of a report: per model accuracy, probes and R^2, then the model comparison. */
  public static List<Figure> all(Results results) {
    List<Figure> figures = new ArrayList<>();
    for (String model : results.models()) {
      figures.add(accuracy(results, model));
      figures.add(probes(results, model));
      figures.add(regressions(results, model));
    }
    figures.add(models(results));
    return figures;
  }

  static String fileName(String prefix, String model) {
    return prefix + "-" + model.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  static String colour(List<String> layers, String layer) {
    return PALETTE.get(Math.max(0, layers.indexOf(layer)) % PALETTE.size());
  }

  // ---------------------------------------------------------------- Figure 2: accuracy vs noise

  static Figure accuracy(Results results, String model) {
    String name = fileName("accuracy", model);
    String caption = "Odd-one-out accuracy of " + model + " per layer and noise level (Wilson 95% bands)";
    // Pooled settings have no noise axis: they stay out of these panels.
    List<Results.Metric> rows = results.metrics().stream()
        .filter(m -> m.model().equals(model) && m.total() > 0 && m.noiseLevel() != null).toList();
    if (rows.isEmpty()) {
      return empty(name, caption, "no scored triplets for " + model + " yet");
    }
    Double ceiling = results.ceiling().value();
    double low = Math.min(Results.CHANCE, rows.stream().mapToDouble(Results.Metric::ciLow).min().orElse(0));
    double high = Math.max(ceiling == null ? 0 : ceiling, rows.stream().mapToDouble(Results.Metric::ciHigh).max()
        .orElse(1));
    Scale y = Scale.padded(low, high, 0, 1);
    return linePanels(name, caption, model, results.layers(model), rows, y, ceiling, false, (svg, ox, x, line, c) -> {
      band(svg, ox, x, y, line, c);
      polyline(svg, ox, x, y, line.stream().map(m -> new double[] {m.noiseLevel(), m.accuracy()}).toList(), c, null);
      for (Results.Metric m : line) {
        svg.titled("circle", String.format(Locale.ROOT, "%s: accuracy %.4f (95%% CI %.4f-%.4f), %d / %d",
                m.setting(), m.accuracy(), m.ciLow(), m.ciHigh(), m.correct(), m.total()),
            "class", "point", "cx", ox + x.at(m.noiseLevel()), "cy", y.at(m.accuracy()), "r", 3.5, "fill", c,
            "data-setting", m.setting(), "data-layer", m.layer(), "data-noise", Svg.value(m.noiseLevel()),
            "data-conditioning", m.conditioning(), "data-accuracy", Svg.value(m.accuracy()),
            "data-ci-low", Svg.value(m.ciLow()), "data-ci-high", Svg.value(m.ciHigh()));
      }
    });
  }

  // ---------------------------------------------------------------- probing figure

  static Figure probes(Results results, String model) {
    String name = fileName("probes", model);
    String caption = "Linear probe (solid) and zero-shot (dashed) accuracy of " + model
        + " per layer and noise level";
    List<Results.Probe> rows = results.probes().stream().filter(p -> p.model().equals(model) && p.noiseLevel() != null)
        .toList();
    if (rows.isEmpty()) {
      return empty(name, caption, "no probe results for " + model + " yet");
    }
    Double ceiling = results.ceiling().value();
    double low = Results.CHANCE;
    double high = ceiling == null ? 0 : ceiling;
    for (Results.Probe p : rows) {
      low = Math.min(low, Math.min(p.meanProbeAccuracy(), zeroShot(p, p.meanProbeAccuracy())));
      high = Math.max(high, Math.max(p.meanProbeAccuracy(), zeroShot(p, p.meanProbeAccuracy())));
    }
    Scale y = Scale.padded(low, high, 0, 1);
    return linePanels(name, caption, model, results.layers(model), rows, y, ceiling, true, (svg, ox, x, line, c) -> {
      List<Results.Probe> withZeroShot = line.stream().filter(p -> p.meanZeroShotAccuracy() != null).toList();
      polyline(svg, ox, x, y, withZeroShot.stream()
          .map(p -> new double[] {p.noiseLevel(), p.meanZeroShotAccuracy()}).toList(), c, "5 4");
      polyline(svg, ox, x, y, line.stream().map(p -> new double[] {p.noiseLevel(), p.meanProbeAccuracy()}).toList(),
          c, null);
      for (Results.Probe p : withZeroShot) {
        svg.titled("circle", String.format(Locale.ROOT, "%s: zero-shot %.4f", p.setting(), p.meanZeroShotAccuracy()),
            "class", "point", "cx", ox + x.at(p.noiseLevel()), "cy", y.at(p.meanZeroShotAccuracy()), "r", 3.5,
            "fill", "#ffffff", "stroke", c, "stroke-width", 1.5, "data-kind", "zero-shot",
            "data-setting", p.setting(), "data-layer", p.layer(), "data-noise", Svg.value(p.noiseLevel()),
            "data-conditioning", p.conditioning(), "data-accuracy", Svg.value(p.meanZeroShotAccuracy()));
      }
      for (Results.Probe p : line) {
        svg.titled("circle", String.format(Locale.ROOT, "%s: probed %.4f (lambda %s, %d folds)", p.setting(),
                p.meanProbeAccuracy(), Svg.value(p.lambda()), p.folds().size()),
            "class", "point", "cx", ox + x.at(p.noiseLevel()), "cy", y.at(p.meanProbeAccuracy()), "r", 3.5,
            "fill", c, "data-kind", "probe", "data-setting", p.setting(), "data-layer", p.layer(),
            "data-noise", Svg.value(p.noiseLevel()), "data-conditioning", p.conditioning(),
            "data-accuracy", Svg.value(p.meanProbeAccuracy()), "data-lambda", Svg.value(p.lambda()));
      }
    });
  }

  /** Draws one layer's line in one panel: its rows sorted by noise level, in the layer's colour. */
  private interface Series<T> {
    void draw(Svg svg, int panelX, Scale x, List<T> line, String colour);
  }

  /** Panels of accuracy against noise level, one per conditioning, one series per layer, and the legend. */
  private static <T extends Results.Located> Figure linePanels(String name, String caption, String model,
      List<String> layers, List<T> rows, Scale y, Double ceiling, boolean probes, Series<T> series) {
    Map<String, List<T>> panels = new TreeMap<>();
    rows.forEach(r -> panels.computeIfAbsent(r.conditioning(), k -> new ArrayList<>()).add(r));
    Scale x = Scale.noise(rows.stream().mapToDouble(Results.Located::noiseLevel).toArray());
    Svg svg = new Svg(panels.size() * PANEL_W + LEGEND_W, PANEL_H + 20, caption, name);
    int panelIndex = 0;
    for (Map.Entry<String, List<T>> panel : panels.entrySet()) {
      int ox = panelIndex++ * PANEL_W;
      axes(svg, ox, model + ", conditioning " + panel.getKey(), x, y, NOISE_AXIS, ACCURACY_AXIS, panel.getKey());
      referenceLines(svg, ox, x, y, ceiling);
      for (String layer : layers) {
        List<T> line = panel.getValue().stream().filter(r -> r.layer().equals(layer))
            .sorted(Comparator.comparingDouble(Results.Located::noiseLevel)).toList();
        if (!line.isEmpty()) {
          svg.open("g", "class", "series", "data-layer", layer, "data-conditioning", panel.getKey());
          series.draw(svg, ox, x, line, colour(layers, layer));
          svg.close("g");
        }
      }
    }
    legend(svg, panels.size() * PANEL_W, layers.stream().filter(l -> rows.stream().anyMatch(r -> r.layer().equals(l)))
        .toList(), layers, ceiling, probes);
    return new Figure(name, caption, svg.finish());
  }

  private static double zeroShot(Results.Probe p, double otherwise) {
    return p.meanZeroShotAccuracy() == null ? otherwise : p.meanZeroShotAccuracy();
  }

  // ---------------------------------------------------------------- Figure 3: R^2 heat-map

  static Figure regressions(Results results, String model) {
    String name = fileName("r2", model);
    String caption = "Held-out R\u00b2 of each human dimension from the features of " + model;
    List<String> layers = results.layers(model);
    List<Results.Regression> columns = results.regressions().stream().filter(r -> r.model().equals(model))
        .sorted(Comparator.comparing(Results.Regression::detail)
            .thenComparingInt(r -> layers.indexOf(r.layer())))
        .toList();
    if (columns.isEmpty()) {
      return empty(name, caption, "no regression results for " + model + " yet");
    }
    Map<Integer, String> dimensions = new TreeMap<>();
    columns.forEach(r -> r.dimensions().forEach(d -> dimensions.merge(d.index(), d.name(),
        (a, b) -> a.startsWith("dim ") ? b : a)));
    boolean oneNoise = columns.stream().map(Results.Regression::detail).distinct().count() == 1;
    int cell = 16;
    int labelW = 150;
    int headerH = oneNoise ? 80 : 150; // room for the rotated column labels below the title
    int width = Math.max(labelW + columns.size() * cell + 40 + 170, 420);
    int height = headerH + dimensions.size() * cell + 70;
    Svg svg = new Svg(width, height, caption, name);
    svg.text("text", model + ": " + R2_AXIS, "x", 8, "y", 18, "font-weight", "600");
    int col = 0;
    for (Results.Regression r : columns) {
      double cx = labelW + col * cell + cell / 2.0;
      String header = oneNoise ? r.layer()
          : r.layer() + " \u00b7 " + r.detail();
      svg.text("text", header, "x", cx, "y", headerH - 6.0, "transform",
          "rotate(-60 " + Svg.px(cx) + " " + Svg.px(headerH - 6.0) + ")", "font-size", 11, "class", "column",
          "data-setting", r.setting());
      int row = 0;
      for (Map.Entry<Integer, String> dim : dimensions.entrySet()) {
        Results.Dimension d = r.dimensions().stream().filter(x -> x.index() == dim.getKey()).findFirst().orElse(null);
        double top = headerH + row++ * cell;
        if (d == null) {
          continue;
        }
        svg.titled("rect", String.format(Locale.ROOT, "%s, %s: R\u00b2 %.4f", r.setting(), dim.getValue(), d.r2()),
            "class", "cell", "x", labelW + col * cell + 0.0, "y", top, "width", cell - 1.0, "height", cell - 1.0,
            "fill", heat(d.r2()), "data-setting", r.setting(), "data-dimension", d.index(), "data-label", d.name(),
            "data-r2", Svg.value(d.r2()));
      }
      col++;
    }
    int row = 0;
    for (String label : dimensions.values()) {
      svg.text("text", label, "x", labelW - 6.0, "y", headerH + row++ * cell + cell * 0.72, "text-anchor", "end",
          "font-size", 11, "class", "dimension");
    }
    colourBar(svg, labelW + columns.size() * cell + 30, headerH);
    Results.Regression best = columns.stream().max(Comparator.comparingDouble(Results.Regression::meanR2)).orElseThrow();
    svg.text("text", String.format(Locale.ROOT, "highest mean R\u00b2: %.3f (%s); every value in regressions.csv",
        best.meanR2(), best.setting()), "x", 8, "y", height - 14.0, "font-size", 11, "class", "best");
    return new Figure(name, caption, svg.finish());
  }

  /** White at R^2 <= 0 to a dark blue at 1: one hue, readable in grey and by every colour vision. */
  static String heat(double r2) {
    double t = Math.max(0, Math.min(1, r2));
    int r = (int) Math.round(255 + (0x00 - 255) * t);
    int g = (int) Math.round(255 + (0x72 - 255) * t);
    int b = (int) Math.round(255 + (0xB2 - 255) * t);
    return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
  }

  private static void colourBar(Svg svg, double x, double top) {
    int steps = 10;
    double h = 120;
    for (int i = 0; i < steps; i++) {
      svg.element("rect", "x", x, "y", top + h - (i + 1) * h / steps, "width", 14.0, "height", h / steps + 0.5,
          "fill", heat((i + 0.5) / steps));
    }
    svg.element("rect", "x", x, "y", top, "width", 14.0, "height", h, "fill", "none", "stroke", "#999999");
    for (double v : new double[] {0, 0.5, 1}) {
      svg.text("text", String.format(Locale.ROOT, "%.1f", v), "x", x + 18, "y", top + h - v * h + 4, "font-size", 11);
    }
    svg.text("text", "R\u00b2 (\u2264 0 white)", "x", x - 4, "y", top + h + 18, "font-size", 11);
  }

  // ---------------------------------------------------------------- model comparison

  static Figure models(Results results) {
    String name = "models";
    String caption = "Best setting of each model: accuracy with its Wilson 95% interval";
    List<Results.Metric> best = new ArrayList<>(results.bestPerModel());
    if (best.isEmpty()) {
      return empty(name, caption, "no scored settings yet");
    }
    best.sort(Comparator.comparingDouble(Results.Metric::accuracy).reversed());
    Double ceiling = results.ceiling().value();
    int labelW = 260;
    int row = 26;
    int plotW = 360;
    int height = TOP + 10 + best.size() * row + BOTTOM;
    Svg svg = new Svg(labelW + plotW + 40, height, caption, name);
    svg.text("text", caption, "x", 8, "y", 16, "font-weight", "600");
    double high = Math.max(ceiling == null ? 0 : ceiling, best.stream().mapToDouble(Results.Metric::ciHigh).max()
        .orElse(1));
    Scale x = new Scale(0, Math.min(1, Math.ceil(high * 10 + 0.5) / 10), labelW, labelW + plotW);
    double top = TOP + 10;
    double bottom = top + best.size() * row;
    for (double t : x.ticks()) {
      svg.element("line", "x1", x.at(t), "x2", x.at(t), "y1", top, "y2", bottom, "stroke", "#e5e5e5");
      svg.text("text", String.format(Locale.ROOT, "%.1f", t), "x", x.at(t), "y", bottom + 14, "text-anchor", "middle",
          "font-size", 11);
    }
    svg.text("text", ACCURACY_AXIS, "x", labelW + plotW / 2.0, "y", bottom + 34, "text-anchor", "middle",
        "class", "axis-label");
    verticalLine(svg, x.at(Results.CHANCE), top - 6, bottom, CHANCE_COLOUR, "4 3", "chance", Results.CHANCE);
    svg.text("text", "chance", "x", x.at(Results.CHANCE) + 3, "y", top - 2, "font-size", 10, "fill", CHANCE_COLOUR);
    if (ceiling != null) {
      verticalLine(svg, x.at(ceiling), top - 6, bottom, CEILING_COLOUR, "8 3 2 3", "ceiling", ceiling);
      svg.text("text", "ceiling", "x", x.at(ceiling) + 3, "y", top - 2, "font-size", 10);
    }
    for (int i = 0; i < best.size(); i++) {
      Results.Metric m = best.get(i);
      double cy = top + i * row + row / 2.0;
      svg.text("text", m.model() + " (" + m.layer() + ", " + m.detail() + ")", "x", labelW - 8.0, "y", cy + 4, "text-anchor", "end", "class", "model-label");
      svg.element("rect", "x", x.at(0), "y", cy - 8, "width", x.at(m.accuracy()) - x.at(0), "height", 16.0,
          "fill", PALETTE.get(0), "fill-opacity", 0.3);
      svg.element("line", "x1", x.at(m.ciLow()), "x2", x.at(m.ciHigh()), "y1", cy, "y2", cy, "stroke", "#000000");
      svg.titled("circle", String.format(Locale.ROOT, "%s: accuracy %.4f (95%% CI %.4f-%.4f)", m.setting(),
              m.accuracy(), m.ciLow(), m.ciHigh()),
          "class", "point", "cx", x.at(m.accuracy()), "cy", cy, "r", 4.0, "fill", PALETTE.get(0),
          "data-setting", m.setting(), "data-model", m.model(), "data-accuracy", Svg.value(m.accuracy()),
          "data-ci-low", Svg.value(m.ciLow()), "data-ci-high", Svg.value(m.ciHigh()));
    }
    return new Figure(name, caption, svg.finish());
  }

  // ---------------------------------------------------------------- shared drawing

  static Figure empty(String name, String caption, String message) {
    Svg svg = new Svg(PANEL_W, 80, caption, name);
    svg.text("text", caption, "x", 8, "y", 22, "font-weight", "600");
    svg.text("text", message, "x", 8, "y", 50, "fill", "#555555", "class", "no-data");
    return new Figure(name, caption, svg.finish().replaceFirst("<svg ", "<svg data-empty=\"true\" "));
  }

  private static void axes(Svg svg, int ox, String title, Scale x, Scale y, String xLabel, String yLabel,
      String conditioning) {
    double left = ox + LEFT;
    double right = ox + PANEL_W - RIGHT;
    double bottom = PANEL_H - BOTTOM;
    svg.open("g", "class", "panel", "data-conditioning", conditioning);
    svg.text("text", title, "x", left, "y", 18, "font-weight", "600", "class", "panel-title");
    for (double t : y.ticks()) {
      svg.element("line", "x1", left, "x2", right, "y1", y.at(t), "y2", y.at(t), "stroke", "#e5e5e5");
      svg.text("text", String.format(Locale.ROOT, "%.2f", t), "x", left - 6, "y", y.at(t) + 4, "text-anchor", "end",
          "font-size", 11);
    }
    for (double t : x.ticks()) {
      svg.element("line", "x1", ox + x.at(t), "x2", ox + x.at(t), "y1", bottom, "y2", bottom + 4, "stroke", "#333333");
      svg.text("text", SettingKey.formatNoise(t), "x", ox + x.at(t), "y", bottom + 16, "text-anchor", "middle",
          "font-size", 11);
    }
    svg.element("rect", "x", left, "y", (double) TOP, "width", right - left, "height", bottom - TOP, "fill", "none",
        "stroke", "#333333");
    svg.text("text", xLabel, "x", (left + right) / 2, "y", bottom + 36, "text-anchor", "middle", "class",
        "axis-label");
    svg.text("text", yLabel, "x", (double) -(TOP + bottom) / 2, "y", ox + 14.0, "transform", "rotate(-90)",
        "text-anchor", "middle", "class", "axis-label");
    svg.close("g");
  }

  private static void referenceLines(Svg svg, int ox, Scale x, Scale y, Double ceiling) {
    double left = ox + LEFT;
    double right = ox + PANEL_W - RIGHT;
    horizontalLine(svg, left, right, y.at(Results.CHANCE), CHANCE_COLOUR, "4 3", "chance", Results.CHANCE);
    if (ceiling != null) {
      horizontalLine(svg, left, right, y.at(ceiling), CEILING_COLOUR, "8 3 2 3", "ceiling", ceiling);
    }
  }

  private static void horizontalLine(Svg svg, double x1, double x2, double y, String colour, String dash, String kind,
      double value) {
    svg.titled("line", kind + " " + String.format(Locale.ROOT, "%.4f", value), "class", "reference",
        "x1", x1, "x2", x2, "y1", y, "y2", y, "stroke", colour, "stroke-dasharray", dash, "stroke-width", 1.5,
        "data-kind", kind, "data-value", Svg.value(value));
  }

  private static void verticalLine(Svg svg, double x, double y1, double y2, String colour, String dash, String kind,
      double value) {
    svg.titled("line", kind + " " + String.format(Locale.ROOT, "%.4f", value), "class", "reference",
        "x1", x, "x2", x, "y1", y1, "y2", y2, "stroke", colour, "stroke-dasharray", dash, "stroke-width", 1.5,
        "data-kind", kind, "data-value", Svg.value(value));
  }

  private static void band(Svg svg, int ox, Scale x, Scale y, List<Results.Metric> line, String colour) {
    if (line.size() == 1) {
      Results.Metric m = line.get(0);
      svg.element("line", "class", "interval", "x1", ox + x.at(m.noiseLevel()), "x2", ox + x.at(m.noiseLevel()),
          "y1", y.at(m.ciLow()), "y2", y.at(m.ciHigh()), "stroke", colour, "stroke-width", 2.0);
      return;
    }
    StringBuilder points = new StringBuilder();
    line.forEach(m -> points.append(Svg.px(ox + x.at(m.noiseLevel()))).append(',').append(Svg.px(y.at(m.ciHigh())))
        .append(' '));
    for (int i = line.size() - 1; i >= 0; i--) {
      Results.Metric m = line.get(i);
      points.append(Svg.px(ox + x.at(m.noiseLevel()))).append(',')
        .append(Svg.px(y.at(m.ciLow()))).append(' ');
    }
    svg.element("polygon", "class", "interval", "points", points.toString().trim(), "fill", colour,
        "fill-opacity", 0.15, "stroke", "none");
  }

  private static void polyline(Svg svg, int ox, Scale x, Scale y, List<double[]> points, String colour, String dash) {
    if (points.size() < 2) {
      return;
    }
    String coordinates = points.stream().map(p -> Svg.px(ox + x.at(p[0])) + "," + Svg.px(y.at(p[1])))
        .collect(Collectors.joining(" "));
    svg.element("polyline", "points", coordinates, "fill", "none", "stroke", colour, "stroke-width", 1.8,
        "stroke-dasharray", dash);
  }

  private static void legend(Svg svg, int x, List<String> shown, List<String> layers, Double ceiling, boolean probes) {
    svg.open("g", "class", "legend");
    double y = TOP + 4.0;
    for (String layer : shown) {
      svg.element("rect", "x", x + 6.0, "y", y - 9, "width", 14.0, "height", 10.0, "fill", colour(layers, layer));
      svg.text("text", layer, "x", x + 26.0, "y", y, "class", "legend-entry", "data-layer", layer);
      y += 17;
    }
    y += 6;
    if (probes) {
      svg.element("line", "x1", x + 6.0, "x2", x + 20.0, "y1", y - 4, "y2", y - 4, "stroke", "#333333",
          "stroke-width", 1.8);
      svg.text("text", "probed", "x", x + 26.0, "y", y, "class", "legend-entry");
      y += 17;
      svg.element("line", "x1", x + 6.0, "x2", x + 20.0, "y1", y - 4, "y2", y - 4, "stroke", "#333333",
          "stroke-width", 1.8, "stroke-dasharray", "5 4");
      svg.text("text", "zero-shot", "x", x + 26.0, "y", y, "class", "legend-entry");
      y += 17;
    }
    svg.text("text", String.format(Locale.ROOT, "chance %.3f", Results.CHANCE), "x", x + 6.0, "y", y,
        "fill", CHANCE_COLOUR, "class", "legend-entry", "data-kind", "chance");
    y += 17;
    svg.text("text", ceiling == null ? "noise ceiling unavailable"
            : String.format(Locale.ROOT, "noise ceiling %.3f", ceiling), "x", x + 6.0, "y", y,
        "class", "legend-entry", "data-kind", "ceiling");
    svg.close("g");
  }

  /** A linear map from data to pixels; ticks at round numbers, or at the given values (noise levels measured). */
  record Scale(double min, double max, double from, double to, List<Double> fixedTicks) {

    Scale(double min, double max, double from, double to) {
      this(min, max, from, to, null);
    }

    /** Accuracy axes: the data range widened to 0.05 steps, within [lowest, highest]. */
    static Scale padded(double low, double high, double lowest, double highest) {
      double min = Math.max(lowest, Math.floor(low * 20 - 0.5) / 20);
      double max = Math.min(highest, Math.ceil(high * 20 + 0.5) / 20);
      return new Scale(min, max, PANEL_H - BOTTOM, TOP);
    }

    /** Noise axes: from 0 (or one level centred) to the highest level, ticked at the levels present. */
    static Scale noise(double[] levels) {
      TreeSet<Double> distinct = new TreeSet<>();
      for (double l : levels) {
        distinct.add(l);
      }
      double min = Math.min(0, distinct.first());
      double max = distinct.last();
      if (max - min < 1e-9) {
        min -= 0.5;
        max += 0.5;
      }
      double pad = (max - min) * 0.04;
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
