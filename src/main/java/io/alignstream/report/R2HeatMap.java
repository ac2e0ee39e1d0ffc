package io.alignstream.report;

import static io.alignstream.report.FigureStyle.FONT;
import static io.alignstream.report.FigureStyle.SMALL;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The seed paper's Figure 3: the held-out R^2 of each human dimension (rows) regressed from each
 * setting's features (columns), white at R^2 <= 0 to dark blue at 1, with room for the longest
 * row and column label.
 */
final class R2HeatMap {

  private R2HeatMap() {}

  static Figures.Figure of(Results results, String model) {
    String name = Figures.fileName("r2", model);
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
      return Figures.empty(name, caption, Figures.noRegressions(results, model));
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
    return new Figures.Figure(name, caption, svg.finish());
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
}
