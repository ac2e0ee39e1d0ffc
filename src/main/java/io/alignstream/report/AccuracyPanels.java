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
import java.util.stream.Collectors;

/**
 * The panels of the accuracy and probe figures: a model's results per layer, as curves over the
 * noise level (one panel per conditioning) or as points per layer (a model without a noise axis),
 * each value with its interval, chance and the noise ceiling as lines, and a legend below the
 * plot that flows into rows as wide as the panel.
 */
final class AccuracyPanels {

  /** One point of a panel: a result, the value drawn, its interval, and how it is drawn. */
  record Mark(Results.Located row, String kind, double value, WilsonInterval interval, boolean filled,
      String dash, boolean whisker, String tooltip, Object... data) {}


  private AccuracyPanels() {}

  /** Whether rows span two or more noise levels: then they are curves over the noise level. */
  static boolean overNoise(List<? extends Results.Located> rows) {
    return rows.stream().map(Results.Located::noiseLevel).filter(n -> n != null).distinct().count() > 1;
  }

  /**
   * The panels of a model's marks: curves over the noise level per conditioning where the model
   * has two or more noise levels, and points per layer for the rest (pooled settings, a single
   * noise level), all on one accuracy scale.
   */
  static Figures.Figure figure(String name, String caption, Results results, String model, List<Mark> marks,
      List<LegendEntry> kinds) {
    List<String> layers = results.layers(model);
    Double ceiling = results.ceiling().value();
    double low = Results.CHANCE;
    double high = ceiling == null ? Results.CHANCE : ceiling;
    for (Mark m : marks) {
      low = Math.min(low, m.whisker() ? m.interval().low() : m.value());
      high = Math.max(high, m.whisker() ? m.interval().high() : m.value());
    }
    Figures.Scale y = Figures.Scale.accuracy(low, high);
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
      Figures.Scale x = Figures.Scale.noise(marks.stream().filter(m -> m.row().noiseLevel() != null)
          .mapToDouble(m -> m.row().noiseLevel()).toArray());
      curves.forEach((conditioning, list) -> panels.add(noisePanel(name, caption, model + ", conditioning "
          + conditioning, conditioning, layers, list, x, y, ceiling, kinds)));
    }
    if (!points.isEmpty()) {
      panels.add(layerPanel(name, caption, results, model, layers, points, y, ceiling, kinds));
    }
    return Figures.Figure.ofPanels(name, caption, panels);
  }

  /** Curves over the noise level, one per layer (and per kind: probed and zero-shot). */
  private static Svg noisePanel(String name, String caption, String title, String conditioning, List<String> layers,
      List<Mark> marks, Figures.Scale x, Figures.Scale y, Double ceiling, List<LegendEntry> kinds) {
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
      for (String kind : List.of(Figures.ZERO_SHOT, "accuracy", Figures.PROBE)) {
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
      List<Mark> marks, Figures.Scale y, Double ceiling, List<LegendEntry> kinds) {
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
    Results.Located first = marks.get(0).row();
    String panelKey = first.pooling() != null ? "pooled" : String.valueOf(first.conditioning());
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
  private static void frame(Svg svg, String title, Figures.Scale y) {
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

  private static void referenceLines(Svg svg, Figures.Scale y, Double ceiling) {
    horizontalLine(svg, y.at(Results.CHANCE), FigureStyle.CHANCE_COLOUR, FigureStyle.CHANCE_DASH, "chance",
        Results.CHANCE);
    if (ceiling != null) {
      horizontalLine(svg, y.at(ceiling), FigureStyle.CEILING_COLOUR, FigureStyle.CEILING_DASH, "ceiling", ceiling);
    }
  }

  private static void horizontalLine(Svg svg, double y, String colour, String dash, String kind, double value) {
    svg.titled("line", kind + " " + String.format(Locale.ROOT, "%.4f", value), "class", "reference",
        "x1", (double) LEFT, "x2", (double) PANEL_W - RIGHT, "y1", y, "y2", y, "stroke", colour, "stroke-dasharray",
        dash, "stroke-width", 1.5, "data-kind", kind, "data-value", Svg.value(value));
  }

  private static List<LegendEntry> references(Double ceiling) {
    return List.of(
        LegendEntry.reference(String.format(Locale.ROOT, "chance %.3f", Results.CHANCE), FigureStyle.CHANCE_COLOUR,
            FigureStyle.CHANCE_DASH, "chance"),
        ceiling == null ? LegendEntry.reference("noise ceiling unavailable", null, null, "ceiling")
            : LegendEntry.reference(String.format(Locale.ROOT, "noise ceiling %.3f", ceiling),
                FigureStyle.CEILING_COLOUR, FigureStyle.CEILING_DASH, "ceiling"));
  }

  private static void band(Svg svg, Figures.Scale x, Figures.Scale y, List<Mark> line, String colour) {
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

  private static void whisker(Svg svg, double x, Figures.Scale y, WilsonInterval interval, String colour) {
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
    attributes.addAll(Arrays.asList("data-noise", Svg.value(r.noiseLevel()), "data-conditioning",
        r.conditioning(), "data-pooling", r.pooling()));
    attributes.addAll(Arrays.asList(m.data()));
    svg.marker(shape, cx, cy, 3.5, m.tooltip(), attributes);
  }

  // ---------------------------------------------------------------- legends

  /** One legend entry: a sample (a layer's colour, a line style, a marker) and its text. */
  record LegendEntry(String text, String sample, String colour, String dash, boolean filled, Object[] data) {

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
          default -> svg.marker(e.sample(), x + 10, y - 4, 3.5, null, List.of("fill", e.colour()));
        }
        List<Object> attributes = new ArrayList<>(List.of("x", x + 26, "y", y, "class", "legend-entry"));
        attributes.addAll(Arrays.asList(e.data()));
        svg.text("text", e.text(), attributes.toArray());
      }
      svg.close("g");
    }
  }
}
