package io.alignstream.report;

import static io.alignstream.report.FigureStyle.DODGE;
import static io.alignstream.report.FigureStyle.FONT;
import static io.alignstream.report.FigureStyle.LEFT;
import static io.alignstream.report.FigureStyle.LEGEND_ROW;
import static io.alignstream.report.FigureStyle.PANEL_W;
import static io.alignstream.report.FigureStyle.PLOT_H;
import static io.alignstream.report.FigureStyle.RIGHT;
import static io.alignstream.report.FigureStyle.SMALL;
import static io.alignstream.report.FigureStyle.TOP;

import io.alignstream.common.SettingKey;
import io.alignstream.common.WilsonInterval;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

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

  private static final String PROBE = "probe";
  private static final String ZERO_SHOT = "zero-shot";
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
    return List.of(accuracy(results, model), probes(results, model), regressions(results, model));
  }

  static String fileName(String prefix, String model) {
    return prefix + "-" + model.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  // ---------------------------------------------------------------- Figure 2: accuracy per layer

  /** One point of a panel: a result, the value drawn, its interval, and how it is drawn. */
  private record Mark(Results.Located row, String kind, double value, WilsonInterval interval, boolean filled,
      String dash, boolean whisker, String tooltip, Object... data) {}

  static Figure accuracy(Results results, String model) {
    String name = fileName("accuracy", model);
    List<Results.Metric> rows = results.metrics().stream().filter(m -> m.model().equals(model) && m.total() > 0)
        .toList();
    String caption = "Odd-one-out accuracy of " + model + " on every scored triplet, per layer"
        + (overNoise(rows) ? " and noise level" : "") + ", with Wilson 95% intervals";
    if (rows.isEmpty()) {
      return empty(name, caption, "no scored triplets for " + model + " yet");
    }
    List<Mark> marks = rows.stream().map(m -> new Mark(m, "accuracy", m.accuracy(),
        new WilsonInterval(m.ciLow(), m.ciHigh()), true, null, true,
        String.format(Locale.ROOT, "%s: accuracy %.4f (95%% CI %.4f-%.4f), %d / %d", m.setting(), m.accuracy(),
            m.ciLow(), m.ciHigh(), m.correct(), m.total()),
        "data-accuracy", Svg.value(m.accuracy()), "data-ci-low", Svg.value(m.ciLow()), "data-ci-high",
        Svg.value(m.ciHigh()))).toList();
    return panels(name, caption, results, model, marks, List.of());
  }

  // ---------------------------------------------------------------- probing figure

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
    List<Mark> marks = new ArrayList<>();
    for (Results.Probe p : rows) {
      WilsonInterval probed = p.interval();
      if (p.meanZeroShotAccuracy() != null) {
        WilsonInterval zs = p.zeroShotInterval();
        marks.add(new Mark(p, ZERO_SHOT, p.meanZeroShotAccuracy(), zs, false, "5 4", false,
            String.format(Locale.ROOT, "%s: zero-shot %.4f on %d held-out triplets (95%% CI %.4f-%.4f)", p.setting(),
                p.meanZeroShotAccuracy(), p.heldOutTriplets(), zs.low(), zs.high()),
            "data-kind", ZERO_SHOT, "data-accuracy", Svg.value(p.meanZeroShotAccuracy()),
            "data-ci-low", Svg.value(zs.low()), "data-ci-high", Svg.value(zs.high())));
      }
      marks.add(new Mark(p, PROBE, p.meanProbeAccuracy(), probed, true, null, !p.folds().isEmpty(),
          String.format(Locale.ROOT, "%s: probed %.4f on %d held-out triplets (95%% CI %.4f-%.4f; lambda %s, %d "
              + "folds)", p.setting(), p.meanProbeAccuracy(), p.heldOutTriplets(), probed.low(), probed.high(),
              Svg.value(p.lambda()), p.folds().size()),
          "data-kind", PROBE, "data-accuracy", Svg.value(p.meanProbeAccuracy()),
          "data-ci-low", p.folds().isEmpty() ? null : Svg.value(probed.low()),
          "data-ci-high", p.folds().isEmpty() ? null : Svg.value(probed.high()),
          "data-held-out", p.heldOutTriplets(), "data-lambda", Svg.value(p.lambda())));
    }
    return panels(name, caption, results, model, marks,
        List.of(LegendEntry.line("probed (held-out)", "#333333", null, true),
            LegendEntry.line("zero-shot (held-out)", "#333333", "5 4", false)));
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

  /** Whether rows span two or more noise levels: then they are curves over the noise level. */
  private static boolean overNoise(List<? extends Results.Located> rows) {
    return rows.stream().map(Results.Located::noiseLevel).filter(n -> n != null).distinct().count() > 1;
  }

  /**
   * The panels of a model's marks: curves over the noise level per conditioning where the model
   * has two or more noise levels, and points per layer for the rest (pooled settings, a single
   * noise level), all on one accuracy scale.
   */
  private static Figure panels(String name, String caption, Results results, String model, List<Mark> marks,
      List<LegendEntry> kinds) {
    List<String> layers = results.layers(model);
    Double ceiling = results.ceiling().value();
    double low = Results.CHANCE;
    double high = ceiling == null ? Results.CHANCE : ceiling;
    for (Mark m : marks) {
      low = Math.min(low, m.whisker() ? m.interval().low() : m.value());
      high = Math.max(high, m.whisker() ? m.interval().high() : m.value());
    }
    Scale y = Scale.accuracy(low, high);
    boolean overNoise = overNoise(marks.stream().map(Mark::row).toList());
    Map<String, List<Mark>> curves = new TreeMap<>();
    List<Mark> points = new ArrayList<>();
    for (Mark m : marks) {
      if (overNoise && m.row().noiseLevel() != null) {
        curves.computeIfAbsent(m.row().conditioning(), k -> new ArrayList<>()).add(m);
      } else {
        points.add(m);
      }
    }
    List<Svg> panels = new ArrayList<>();
    if (!curves.isEmpty()) {
      Scale x = Scale.noise(marks.stream().filter(m -> m.row().noiseLevel() != null)
          .mapToDouble(m -> m.row().noiseLevel()).toArray());
      curves.forEach((conditioning, list) -> panels.add(noisePanel(name, caption, model + ", conditioning "
          + conditioning, conditioning, layers, list, x, y, ceiling, kinds)));
    }
    if (!points.isEmpty()) {
      panels.add(layerPanel(name, caption, results, model, layers, points, y, ceiling, kinds));
    }
    return Figure.ofPanels(name, caption, panels);
  }

  /** Curves over the noise level, one per layer (and per kind: probed and zero-shot). */
  private static Svg noisePanel(String name, String caption, String title, String conditioning, List<String> layers,
      List<Mark> marks, Scale x, Scale y, Double ceiling, List<LegendEntry> kinds) {
    List<String> shown = layers.stream().filter(l -> marks.stream().anyMatch(m -> m.row().layer().equals(l))).toList();
    boolean bands = shown.size() <= FigureStyle.MAX_BANDS;
    List<LegendEntry> legend = new ArrayList<>();
    shown.forEach(l -> legend.add(LegendEntry.layer(l, FigureStyle.colour(l, layers))));
    legend.addAll(kinds);
    legend.addAll(references(ceiling));
    double axisBottom = TOP + PLOT_H + 46;
    Layout layout = Layout.of(legend, axisBottom + 10);
    Svg svg = new Svg(PANEL_W, layout.height(), caption, name);
    svg.open("g", "class", "panel", "data-conditioning", conditioning);
    frame(svg, title, y);
    for (double t : x.ticks()) {
      svg.element("line", "x1", x.at(t), "x2", x.at(t), "y1", plotBottom(), "y2", plotBottom() + 4.0, "stroke",
          "#333333");
      svg.text("text", SettingKey.formatNoise(t), "x", x.at(t), "y", plotBottom() + 16.0, "text-anchor", "middle",
          "font-size", SMALL);
    }
    svg.text("text", FigureStyle.NOISE_AXIS, "x", (LEFT + PANEL_W - RIGHT) / 2.0, "y", plotBottom() + 36.0,
        "text-anchor", "middle", "font-size", SMALL, "class", "axis-label");
    svg.close("g");
    referenceLines(svg, y, ceiling);
    for (int i = 0; i < shown.size(); i++) {
      String layer = shown.get(i);
      double dodge = bands ? 0 : (i - (shown.size() - 1) / 2.0) * DODGE;
      String colour = FigureStyle.colour(layer, layers);
      svg.open("g", "class", "series", "data-layer", layer, "data-conditioning", conditioning);
      for (String kind : List.of(ZERO_SHOT, "accuracy", PROBE)) {
        List<Mark> line = marks.stream().filter(m -> m.row().layer().equals(layer) && m.kind().equals(kind))
            .sorted(Comparator.comparingDouble(m -> m.row().noiseLevel())).toList();
        if (line.isEmpty()) {
          continue;
        }
        if (bands && line.get(0).whisker() && line.size() > 1) {
          band(svg, x, y, line, colour);
        }
        polyline(svg, line.stream().map(m -> new double[] {x.at(m.row().noiseLevel()) + dodge, y.at(m.value())})
            .toList(), colour, line.get(0).dash());
        for (Mark m : line) {
          double cx = x.at(m.row().noiseLevel()) + dodge;
          if (m.whisker() && !(bands && line.size() > 1)) {
            whisker(svg, cx, y, m.interval(), colour);
          }
          marker(svg, m, "circle", cx, y.at(m.value()), colour);
        }
      }
      svg.close("g");
    }
    layout.draw(svg);
    return svg;
  }

  /**
   * Points per layer on a categorical axis: a model without a noise axis (a vision model's
   * pooled settings, the pixel baseline, one noise level). The layers keep their colours; where a
   * layer has several settings (poolings, conditionings) each has its own marker, side by side.
   */
  private static Svg layerPanel(String name, String caption, Results results, String model, List<String> layers,
      List<Mark> marks, Scale y, Double ceiling, List<LegendEntry> kinds) {
    List<String> shown = layers.stream().filter(l -> marks.stream().anyMatch(m -> m.row().layer().equals(l))).toList();
    List<String> variants = marks.stream().map(m -> variant(m.row())).distinct().sorted().toList();
    List<String> kindOrder = marks.stream().map(Mark::kind).distinct().sorted(Comparator.reverseOrder()).toList();
    List<LegendEntry> legend = new ArrayList<>();
    if (variants.size() > 1 || marks.get(0).row().pooling() != null) {
      for (int v = 0; v < variants.size(); v++) {
        legend.add(LegendEntry.marker(variantLabel(marks, variants.get(v)), MARKERS.get(v % MARKERS.size())));
      }
    }
    legend.addAll(kinds);
    legend.addAll(references(ceiling));
    double slot = (PANEL_W - RIGHT - LEFT) / (double) shown.size();
    double labelRoom = Math.min(150, Math.max(40, slot * 2.2));
    List<String> labels = shown.stream().map(l -> FigureStyle.fit(l, labelRoom, SMALL, false, true)).toList();
    double labelDepth = labels.stream().mapToDouble(l -> FigureStyle.textWidth(l, SMALL, false)).max().orElse(0)
        * Math.sin(Math.toRadians(40)) + SMALL;
    double axisBottom = plotBottom() + 12 + labelDepth + 24;
    Layout layout = Layout.of(legend, axisBottom + 6);
    Svg svg = new Svg(PANEL_W, layout.height(), caption, name);
    String panelKey = marks.get(0).row().pooling() != null ? "pooled" : String.valueOf(marks.get(0).row().conditioning());
    svg.open("g", "class", "panel", "data-conditioning", panelKey);
    frame(svg, model + ", per layer", y);
    svg.text("text", FigureStyle.LAYER_AXIS, "x", (LEFT + PANEL_W - RIGHT) / 2.0, "y", axisBottom - 6,
        "text-anchor", "middle", "font-size", SMALL, "class", "axis-label");
    svg.close("g");
    for (int i = 0; i < shown.size(); i++) {
      double cx = LEFT + (i + 0.5) * slot;
      double ty = plotBottom() + 12;
      svg.text("text", labels.get(i), "x", cx, "y", ty, "text-anchor", "end", "font-size", SMALL,
          "transform", "rotate(-40 " + Svg.px(cx) + " " + Svg.px(ty) + ")", "class", "layer-label",
          "data-layer", shown.get(i));
    }
    referenceLines(svg, y, ceiling);
    int perLayer = variants.size() * kindOrder.size();
    double step = Math.min(10, slot * 0.8 / Math.max(1, perLayer));
    for (int i = 0; i < shown.size(); i++) {
      String layer = shown.get(i);
      String colour = FigureStyle.colour(layer, layers);
      svg.open("g", "class", "series", "data-layer", layer, "data-conditioning", panelKey);
      int slotIndex = 0;
      for (String variant : variants) {
        for (String kind : kindOrder) {
          double cx = LEFT + (i + 0.5) * slot + (slotIndex++ - (perLayer - 1) / 2.0) * step;
          for (Mark m : marks) {
            if (m.row().layer().equals(layer) && variant(m.row()).equals(variant) && m.kind().equals(kind)) {
              if (m.whisker()) {
                whisker(svg, cx, y, m.interval(), colour);
              }
              marker(svg, m, MARKERS.get(variants.indexOf(variant) % MARKERS.size()), cx, y.at(m.value()), colour);
            }
          }
        }
      }
      svg.close("g");
    }
    layout.draw(svg);
    return svg;
  }

  /** Markers that tell a layer's settings apart (poolings, conditionings), in this order. */
  private static final List<String> MARKERS = List.of("circle", "square", "diamond", "triangle");

  /** What tells a layer's settings apart on a layer panel: the pooling, or the noise level and conditioning. */
  private static String variant(Results.Located row) {
    return row.pooling() != null ? row.pooling() : row.detail();
  }

  private static String variantLabel(List<Mark> marks, String variant) {
    return marks.stream().filter(m -> variant(m.row()).equals(variant)).findFirst()
        .map(m -> m.row().pooling() != null ? "pooling " + variant : variant).orElse(variant);
  }

  private static double plotBottom() {
    return TOP + PLOT_H;
  }

  /** The panel's title, the accuracy axis with its grid, the plot's frame. */
  private static void frame(Svg svg, String title, Scale y) {
    double right = PANEL_W - RIGHT;
    svg.text("text", FigureStyle.fit(title, PANEL_W - LEFT - 4, FONT, true, false), "x", (double) LEFT, "y", 18.0,
        "font-weight", "600", "class", "panel-title");
    for (double t : y.ticks()) {
      svg.element("line", "x1", (double) LEFT, "x2", right, "y1", y.at(t), "y2", y.at(t), "stroke", "#e5e5e5");
      svg.text("text", String.format(Locale.ROOT, "%.2f", t), "x", LEFT - 6.0, "y", y.at(t) + 4, "text-anchor", "end",
          "font-size", SMALL);
    }
    svg.element("rect", "x", (double) LEFT, "y", (double) TOP, "width", right - LEFT, "height", (double) PLOT_H,
        "fill", "none", "stroke", "#333333");
    svg.text("text", FigureStyle.ACCURACY_AXIS, "x", -(TOP + plotBottom()) / 2, "y", 14.0, "transform", "rotate(-90)",
        "text-anchor", "middle", "font-size", SMALL, "class", "axis-label");
  }

  private static void referenceLines(Svg svg, Scale y, Double ceiling) {
    horizontalLine(svg, y.at(Results.CHANCE), FigureStyle.CHANCE_COLOUR, CHANCE_DASH, "chance", Results.CHANCE);
    if (ceiling != null) {
      horizontalLine(svg, y.at(ceiling), FigureStyle.CEILING_COLOUR, CEILING_DASH, "ceiling", ceiling);
    }
  }

  private static final String CHANCE_DASH = "4 3";
  private static final String CEILING_DASH = "8 3 2 3";

  private static void horizontalLine(Svg svg, double y, String colour, String dash, String kind, double value) {
    svg.titled("line", kind + " " + String.format(Locale.ROOT, "%.4f", value), "class", "reference",
        "x1", (double) LEFT, "x2", (double) PANEL_W - RIGHT, "y1", y, "y2", y, "stroke", colour, "stroke-dasharray",
        dash, "stroke-width", 1.5, "data-kind", kind, "data-value", Svg.value(value));
  }

  private static List<LegendEntry> references(Double ceiling) {
    return List.of(
        LegendEntry.reference(String.format(Locale.ROOT, "chance %.3f", Results.CHANCE), FigureStyle.CHANCE_COLOUR,
            CHANCE_DASH, "chance"),
        ceiling == null ? LegendEntry.reference("noise ceiling unavailable", null, null, "ceiling")
            : LegendEntry.reference(String.format(Locale.ROOT, "noise ceiling %.3f", ceiling),
                FigureStyle.CEILING_COLOUR, CEILING_DASH, "ceiling"));
  }

  private static void band(Svg svg, Scale x, Scale y, List<Mark> line, String colour) {
    StringBuilder points = new StringBuilder();
    line.forEach(m -> points.append(Svg.px(x.at(m.row().noiseLevel()))).append(',')
        .append(Svg.px(y.at(m.interval().high()))).append(' '));
    for (int i = line.size() - 1; i >= 0; i--) {
      Mark m = line.get(i);
      points.append(Svg.px(x.at(m.row().noiseLevel()))).append(',').append(Svg.px(y.at(m.interval().low())))
          .append(' ');
    }
    svg.element("polygon", "class", "interval", "points", points.toString().trim(), "fill", colour,
        "fill-opacity", 0.15, "stroke", "none");
  }

  private static void whisker(Svg svg, double x, Scale y, WilsonInterval interval, String colour) {
    svg.element("line", "class", "interval", "x1", x, "x2", x, "y1", y.at(interval.low()), "y2",
        y.at(interval.high()), "stroke", colour, "stroke-width", 1.5);
  }

  private static void polyline(Svg svg, List<double[]> points, String colour, String dash) {
    if (points.size() < 2) {
      return;
    }
    String coordinates = points.stream().map(p -> Svg.px(p[0]) + "," + Svg.px(p[1])).collect(Collectors.joining(" "));
    svg.element("polyline", "points", coordinates, "fill", "none", "stroke", colour, "stroke-width", 1.8,
        "stroke-dasharray", dash);
  }

  /** A point: filled in the layer's colour, or open (white with a coloured outline). */
  private static void marker(Svg svg, Mark m, String shape, double cx, double cy, String colour) {
    Results.Located r = m.row();
    List<Object> attributes = new ArrayList<>(List.of("class", "point", "fill", m.filled() ? colour : "#ffffff",
        "stroke", colour, "stroke-width", 1.5, "data-setting", r.setting(), "data-layer", r.layer()));
    addAll(attributes, "data-noise", Svg.value(r.noiseLevel()), "data-conditioning", r.conditioning(),
        "data-pooling", r.pooling());
    addAll(attributes, m.data());
    shape(svg, shape, cx, cy, 3.5, m.tooltip(), attributes);
  }

  private static void addAll(List<Object> list, Object... values) {
    list.addAll(Arrays.asList(values));
  }

  private static void shape(Svg svg, String shape, double cx, double cy, double r, String tooltip,
      List<Object> attributes) {
    List<Object> a = new ArrayList<>(attributes);
    String tag = switch (shape) {
      case "circle" -> {
        addAll(a, "cx", cx, "cy", cy, "r", r);
        yield "circle";
      }
      case "square" -> {
        addAll(a, "x", cx - r, "y", cy - r, "width", 2 * r, "height", 2 * r, "data-cx", Svg.px(cx), "data-cy",
            Svg.px(cy));
        yield "rect";
      }
      default -> {
        double s = r * 1.3;
        String points = shape.equals("diamond")
            ? Svg.px(cx) + "," + Svg.px(cy - s) + " " + Svg.px(cx + s) + "," + Svg.px(cy) + " " + Svg.px(cx) + ","
                + Svg.px(cy + s) + " " + Svg.px(cx - s) + "," + Svg.px(cy)
            : Svg.px(cx) + "," + Svg.px(cy - s) + " " + Svg.px(cx + s) + "," + Svg.px(cy + s * 0.8) + " "
                + Svg.px(cx - s) + "," + Svg.px(cy + s * 0.8);
        addAll(a, "points", points, "data-cx", Svg.px(cx), "data-cy", Svg.px(cy));
        yield "polygon";
      }
    };
    if (tooltip == null) {
      svg.element(tag, a.toArray());
    } else {
      svg.titled(tag, tooltip, a.toArray());
    }
  }

  // ---------------------------------------------------------------- legends

  /** One legend entry: a sample (a layer's colour, a line style, a marker) and its text. */
  private record LegendEntry(String text, String sample, String colour, String dash, boolean filled, Object[] data) {

    static LegendEntry layer(String layer, String colour) {
      return new LegendEntry(layer, "swatch", colour, null, true, new Object[] {"data-layer", layer});
    }

    /** A line style with its marker, filled or open (probed, zero-shot). */
    static LegendEntry line(String text, String colour, String dash, boolean filled) {
      return new LegendEntry(text, "line-dot", colour, dash, filled, new Object[0]);
    }

    static LegendEntry marker(String text, String shape) {
      return new LegendEntry(text, shape, "#333333", null, true, new Object[0]);
    }

    /** Chance or the ceiling: a line sample, or none when there is no line (the ceiling unavailable). */
    static LegendEntry reference(String text, String colour, String dash, String kind) {
      return new LegendEntry(text, colour == null ? "none" : "line", colour, dash, true,
          new Object[] {"data-kind", kind});
    }

    double width() {
      return 26 + FigureStyle.textWidth(text, FONT, false) + 14;
    }
  }

  /** Legend entries flowed into rows below the plot, as wide as the panel. */
  private record Layout(List<LegendEntry> entries, List<double[]> positions, int height) {

    static Layout of(List<LegendEntry> entries, double top) {
      List<double[]> positions = new ArrayList<>();
      double x = 6;
      double y = top + 12;
      for (LegendEntry e : entries) {
        if (x > 6 && x + e.width() > PANEL_W - 4) {
          x = 6;
          y += LEGEND_ROW;
        }
        positions.add(new double[] {x, y});
        x += e.width();
      }
      return new Layout(entries, positions, (int) Math.ceil(y + 10));
    }

    void draw(Svg svg) {
      svg.open("g", "class", "legend");
      for (int i = 0; i < entries.size(); i++) {
        LegendEntry e = entries.get(i);
        double x = positions.get(i)[0];
        double y = positions.get(i)[1];
        switch (e.sample()) {
          case "swatch" -> svg.element("rect", "x", x, "y", y - 9, "width", 18.0, "height", 10.0, "fill", e.colour());
          case "line", "line-dot" -> {
            svg.element("line", "x1", x, "x2", x + 20, "y1", y - 4, "y2", y - 4, "stroke", e.colour(),
                "stroke-width", 1.8, "stroke-dasharray", e.dash());
            if (e.sample().equals("line-dot")) {
              svg.element("circle", "cx", x + 10, "cy", y - 4, "r", 3.0, "fill", e.filled() ? e.colour() : "#ffffff",
                  "stroke", e.colour(), "stroke-width", 1.5);
            }
          }
          case "none" -> { }
          default -> shape(svg, e.sample(), x + 10, y - 4, 3.5, null, List.of("fill", e.colour()));
        }
        List<Object> attributes = new ArrayList<>(List.of("x", x + 26, "y", y, "class", "legend-entry"));
        addAll(attributes, e.data());
        svg.text("text", e.text(), attributes.toArray());
      }
      svg.close("g");
    }
  }

  // ---------------------------------------------------------------- Figure 3: R^2 heat-map

  static Figure regressions(Results results, String model) {
    String name = fileName("r2", model);
    String caption = "Held-out R\u00b2 of each human dimension from the features of " + model
        + " (ridge regression, objects held out)";
    List<String> layers = results.layers(model);
    List<Results.Regression> columns = results.regressions().stream().filter(r -> r.model().equals(model))
        .sorted(Comparator.comparing((Results.Regression r) -> r.pooling() == null ? "" : r.pooling())
            .thenComparing(r -> String.valueOf(r.conditioning()))
            .thenComparingDouble(r -> r.noiseLevel() == null ? 0 : r.noiseLevel())
            .thenComparingInt(r -> layers.indexOf(r.layer())))
        .toList();
    if (columns.isEmpty()) {
      return empty(name, caption, noRegressions(results, model));
    }
    Map<Integer, String> dimensions = new TreeMap<>();
    columns.forEach(r -> r.dimensions().forEach(d -> dimensions.merge(d.index(), d.name(),
        (a, b) -> a.startsWith("dim ") ? b : a)));
    int cell = 16;
    double cos = Math.cos(Math.toRadians(60));
    double sin = Math.sin(Math.toRadians(60));
    List<String> headers = columns.stream()
        .map(r -> FigureStyle.fit(Results.label(r, columns), 220, SMALL, false, false)).toList();
    double longest = headers.stream().mapToDouble(h -> FigureStyle.textWidth(h, SMALL, false)).max().orElse(0);
    List<String> rowLabels = dimensions.values().stream().map(l -> FigureStyle.fit(l, 200, SMALL, false, false))
        .toList();
    double labelW = rowLabels.stream().mapToDouble(l -> FigureStyle.textWidth(l, SMALL, false)).max().orElse(0) + 14;
    double headerH = 30 + longest * sin + 8;
    double gridRight = labelW + columns.size() * cell;
    double barX = Math.max(gridRight + 24, labelW + (columns.size() - 0.5) * cell + longest * cos + 12);
    Results.Regression best = columns.stream().max(Comparator.comparingDouble(Results.Regression::meanR2))
        .orElseThrow();
    String bestText = String.format(Locale.ROOT, "highest mean R\u00b2 %.3f: %s", best.meanR2(), best.setting());
    String title = model + ": " + FigureStyle.R2_AXIS;
    double width = Math.max(Math.max(barX + 18 + FigureStyle.textWidth("R\u00b2 (\u2264 0 white)", SMALL, false),
        8 + FigureStyle.textWidth(bestText, SMALL, false)), 8 + FigureStyle.textWidth(title, FONT, true)) + 12;
    double gridBottom = headerH + dimensions.size() * cell;
    double height = Math.max(gridBottom, headerH + 140) + 34;
    Svg svg = new Svg((int) Math.ceil(width), (int) Math.ceil(height), caption, name);
    svg.text("text", title, "x", 8.0, "y", 18.0, "font-weight", "600", "class", "panel-title");
    int col = 0;
    for (Results.Regression r : columns) {
      double cx = labelW + col * cell + cell / 2.0;
      svg.text("text", headers.get(col), "x", cx, "y", headerH - 6.0, "transform",
          "rotate(-60 " + Svg.px(cx) + " " + Svg.px(headerH - 6.0) + ")", "font-size", SMALL, "class", "column",
          "data-setting", r.setting());
      int row = 0;
      for (Map.Entry<Integer, String> dim : dimensions.entrySet()) {
        Results.Dimension d = r.dimensions().stream().filter(x -> x.index() == dim.getKey()).findFirst().orElse(null);
        double top = headerH + row++ * cell;
        if (d == null) {
          continue;
        }
        svg.titled("rect", String.format(Locale.ROOT, "%s, %s: R\u00b2 %.4f", r.setting(), dim.getValue(), d.r2()),
            "class", "cell", "x", labelW + col * cell, "y", top, "width", cell - 1.0, "height", cell - 1.0,
            "fill", heat(d.r2()), "data-setting", r.setting(), "data-dimension", d.index(), "data-label", d.name(),
            "data-r2", Svg.value(d.r2()));
      }
      col++;
    }
    for (int row = 0; row < rowLabels.size(); row++) {
      svg.text("text", rowLabels.get(row), "x", labelW - 6.0, "y", headerH + row * cell + cell * 0.72,
          "text-anchor", "end", "font-size", SMALL, "class", "dimension");
    }
    colourBar(svg, barX, headerH);
    svg.text("text", bestText, "x", 8.0, "y", height - 12, "font-size", SMALL, "class", "best");
    return new Figure(name, caption, svg.finish());
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
      svg.text("text", String.format(Locale.ROOT, "%.1f", v), "x", x + 18, "y", top + h - v * h + 4, "font-size",
          SMALL);
    }
    svg.text("text", "R\u00b2 (\u2264 0 white)", "x", x, "y", top + h + 18, "font-size", SMALL);
  }

  // ---------------------------------------------------------------- Figure 2, left: the models side by side

  public static Figure models(Results results) {
    String name = "models";
    String caption = "Each model's best setting: zero-shot odd-one-out accuracy over every triplet (circles) and "
        + "linearly probed accuracy on held-out triplets (squares), with Wilson 95% intervals; the setting is "
        + "named below each value, every value is in models.csv"
        + (results.published().isEmpty() ? "" : "; below, apart, figures other papers published (grey diamonds, "
            + "not measured here; published.csv)");
    List<ModelComparison.Row> rows = ModelComparison.of(results);
    if (rows.isEmpty() && results.published().isEmpty()) {
      return empty(name, caption, "no scored settings yet");
    }
    Double ceiling = results.ceiling().value();
    double high = ceiling == null ? Results.CHANCE : ceiling;
    for (ModelComparison.Row r : rows) {
      high = Math.max(high, r.zeroShot().interval().high());
      if (r.probe() != null) {
        high = Math.max(high, r.probe().interval().high());
      }
    }
    for (PublishedResults.Row p : results.published()) {
      for (PublishedResults.Accuracy a : new PublishedResults.Accuracy[] {p.zeroShot(), p.probed()}) {
        if (a != null) {
          high = Math.max(high, a.high() == null ? a.value() : a.high());
        }
      }
    }
    double labelW = 72;
    double plotRight = 330;
    Scale x = new Scale(0, Math.min(1, Math.ceil(high * 10 + 0.5) / 10), labelW, plotRight, null);
    // a block per model: its name, then zero-shot and probed, each with its setting in a line below
    double block = 20 + 2 * 30 + 6;
    double publishedBlock = 20 + 2 * 17 + 6;
    double top = 44;
    double publishedTop = top + rows.size() * block + (rows.isEmpty() ? 0 : 6);
    double bottom = publishedTop + (results.published().isEmpty() ? 0
        : 26 + results.published().size() * publishedBlock);
    Svg svg = new Svg(PANEL_W, (int) Math.ceil(bottom + 40), caption, name);
    svg.text("text", "Best setting per model", "x", 8.0, "y", 16.0, "font-weight", "600", "class", "panel-title");
    for (double t : x.ticks()) {
      svg.element("line", "x1", x.at(t), "x2", x.at(t), "y1", top - 4, "y2", bottom, "stroke", "#e5e5e5");
      svg.text("text", String.format(Locale.ROOT, "%.1f", t), "x", x.at(t), "y", bottom + 14, "text-anchor",
          "middle", "font-size", SMALL);
    }
    svg.text("text", FigureStyle.ACCURACY_AXIS, "x", (labelW + plotRight) / 2, "y", bottom + 32, "text-anchor",
        "middle", "font-size", SMALL, "class", "axis-label");
    verticalLine(svg, x.at(Results.CHANCE), top - 14, bottom, FigureStyle.CHANCE_COLOUR, CHANCE_DASH, "chance",
        Results.CHANCE);
    svg.text("text", "chance", "x", x.at(Results.CHANCE), "y", top - 18, "text-anchor", "middle", "font-size", 10,
        "fill", FigureStyle.CHANCE_COLOUR);
    if (ceiling != null) {
      verticalLine(svg, x.at(ceiling), top - 14, bottom, FigureStyle.CEILING_COLOUR, CEILING_DASH, "ceiling", ceiling);
      svg.text("text", "ceiling", "x", x.at(ceiling), "y", top - 18, "text-anchor", "middle", "font-size", 10);
    }
    double y = top;
    for (ModelComparison.Row r : rows) {
      svg.open("g", "class", "model", "data-model", r.model());
      svg.text("text", FigureStyle.fit(r.model(), PANEL_W - 16, FONT, true, false), "x", 8.0, "y", y + 12,
          "font-weight", "600", "class", "model-label");
      Results.Metric m = r.zeroShot();
      comparisonRow(svg, x, y + 30, "zero-shot", m.accuracy(), m.interval(), results.label(m), "circle",
          PALETTE_MEASURED, String.format(Locale.ROOT, "%s: zero-shot accuracy %.4f over %d triplets (95%% CI "
              + "%.4f-%.4f)", m.setting(), m.accuracy(), m.total(), m.ciLow(), m.ciHigh()),
          "data-model", r.model(), "data-setting", m.setting(), "data-kind", ZERO_SHOT,
          "data-accuracy", Svg.value(m.accuracy()), "data-ci-low", Svg.value(m.ciLow()), "data-ci-high",
          Svg.value(m.ciHigh()));
      Results.Probe p = r.probe();
      if (p == null) {
        svg.text("text", "probed", "x", labelW - 8, "y", y + 64, "text-anchor", "end", "font-size", SMALL);
        svg.text("text", "no probe result", "x", labelW, "y", y + 64, "font-size", SMALL, "fill", FigureStyle.TEXT_GREY,
            "class", "no-data");
      } else {
        WilsonInterval ci = p.interval();
        comparisonRow(svg, x, y + 60, "probed", p.meanProbeAccuracy(), p.folds().isEmpty() ? null : ci,
            results.label(p), "square",
            PALETTE_MEASURED, String.format(Locale.ROOT, "%s: probed accuracy %.4f on %d held-out triplets (95%% CI "
                + "%.4f-%.4f)", p.setting(), p.meanProbeAccuracy(), p.heldOutTriplets(), ci.low(), ci.high()),
            "data-model", r.model(), "data-setting", p.setting(), "data-kind", PROBE,
            "data-accuracy", Svg.value(p.meanProbeAccuracy()), "data-ci-low", Svg.value(ci.low()),
            "data-ci-high", Svg.value(ci.high()));
      }
      svg.close("g");
      y += block;
    }
    if (!results.published().isEmpty()) {
      y = publishedTop;
      svg.element("line", "x1", 8.0, "x2", PANEL_W - 8.0, "y1", y + 2, "y2", y + 2, "stroke", "#999999");
      svg.text("text", "published, not measured here", "x", 8.0, "y", y + 18, "font-style", "italic",
          "fill", FigureStyle.TEXT_GREY, "class", "published-title");
      y += 26;
      for (PublishedResults.Row p : results.published()) {
        svg.open("g", "class", "published", "data-model", p.model(), "data-source", p.source());
        String label = FigureStyle.fit(p.model() + " (" + p.source() + ")", PANEL_W - 16, FONT, false, false);
        svg.text("text", label, "x", 8.0, "y", y + 12, "fill", FigureStyle.TEXT_GREY, "class", "model-label");
        published(svg, x, y + 32, "zero-shot", ZERO_SHOT, p, p.zeroShot());
        published(svg, x, y + 49, "probed", PROBE, p, p.probed());
        svg.close("g");
        y += publishedBlock;
      }
    }
    return new Figure(name, caption, svg.finish());
  }

  private static final String PALETTE_MEASURED = FigureStyle.PALETTE.get(0);

  /** One value of the comparison: its label at the left, a whisker, the marker, the value and the setting at the right. */
  private static void comparisonRow(Svg svg, Scale x, double cy, String label, double value, WilsonInterval interval,
      String setting, String shape, String colour, String tooltip, Object... data) {
    svg.text("text", label, "x", x.from() - 8, "y", cy + 4, "text-anchor", "end", "font-size", SMALL);
    if (interval != null) {
      svg.element("line", "class", "interval", "x1", x.at(interval.low()), "x2", x.at(interval.high()), "y1", cy,
          "y2", cy, "stroke", colour, "stroke-width", 1.5);
    }
    List<Object> attributes = new ArrayList<>(List.of("class", "point", "fill", colour, "stroke", colour));
    addAll(attributes, data);
    shape(svg, shape, x.at(value), cy, 4, tooltip, attributes);
    svg.text("text", String.format(Locale.ROOT, "%.3f", value), "x", x.to() + 8, "y", cy + 4, "font-size", SMALL,
        "class", "value");
    svg.text("text", FigureStyle.fit(setting, PANEL_W - x.from() - 8, 10, false, false), "x", x.from(), "y", cy + 15,
        "font-size", 10, "fill", FigureStyle.TEXT_GREY, "class", "setting-label");
  }

  private static void published(Svg svg, Scale x, double cy, String label, String kind, PublishedResults.Row row,
      PublishedResults.Accuracy a) {
    if (a == null) {
      return;
    }
    WilsonInterval interval = a.low() == null ? null : new WilsonInterval(a.low(), a.high());
    svg.text("text", label, "x", x.from() - 8, "y", cy + 4, "text-anchor", "end", "font-size", SMALL,
        "fill", FigureStyle.TEXT_GREY);
    if (interval != null) {
      svg.element("line", "x1", x.at(interval.low()), "x2", x.at(interval.high()), "y1", cy, "y2", cy,
          "stroke", FigureStyle.PUBLISHED_COLOUR, "stroke-width", 1.5);
    }
    shape(svg, "diamond", x.at(a.value()), cy, 4, String.format(Locale.ROOT, "%s, %s %.4f, published: %s",
        row.model(), label, a.value(), row.source()), List.of("class", "published-point", "fill",
        FigureStyle.PUBLISHED_COLOUR, "data-model", row.model(), "data-kind", kind, "data-accuracy",
        Svg.value(a.value()), "data-source", row.source()));
    svg.text("text", String.format(Locale.ROOT, "%.3f", a.value()), "x", x.to() + 8, "y", cy + 4, "font-size", SMALL,
        "fill", FigureStyle.TEXT_GREY, "class", "value");
  }

  private static void verticalLine(Svg svg, double x, double y1, double y2, String colour, String dash, String kind,
      double value) {
    svg.titled("line", kind + " " + String.format(Locale.ROOT, "%.4f", value), "class", "reference",
        "x1", x, "x2", x, "y1", y1, "y2", y2, "stroke", colour, "stroke-dasharray", dash, "stroke-width", 1.5,
        "data-kind", kind, "data-value", Svg.value(value));
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
