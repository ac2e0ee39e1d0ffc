package io.alignstream.report;

import static io.alignstream.report.FigureStyle.FONT;
import static io.alignstream.report.FigureStyle.PANEL_W;
import static io.alignstream.report.FigureStyle.SMALL;

import io.alignstream.common.WilsonInterval;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The seed paper's Figure 2, left: every model side by side ({@link ModelComparison}), each with
 * its best zero-shot and its best probed setting, their Wilson intervals and names; below them,
 * apart and in grey, the published figures the user gave ({@link PublishedResults}).
 */
final class ModelsFigure {

  private static final String PALETTE_MEASURED = FigureStyle.PALETTE.get(0);

  private ModelsFigure() {}

  static Figures.Figure of(Results results) {
    String name = "models";
    String caption = "Each model's best setting by zero-shot odd-one-out accuracy over every triplet (circles) and "
        + "the same setting's linearly probed accuracy over the held-out triplets of all folds (squares), with "
        + "Wilson 95% intervals; the setting is named below each value"
        + (results.published().isEmpty() ? "" : "; below, apart, figures other papers published (grey diamonds, "
            + "not measured here; published.csv)");
    List<ModelComparison.Row> rows = ModelComparison.of(results);
    if (rows.isEmpty() && results.published().isEmpty()) {
      return Figures.empty(name, caption, "no scored settings yet");
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
    Figures.Scale x = new Figures.Scale(0, Math.min(1, Math.ceil(high * 10 + 0.5) / 10), labelW, plotRight, null);
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
    verticalLine(svg, x.at(Results.CHANCE), top - 14, bottom, FigureStyle.CHANCE_COLOUR, FigureStyle.CHANCE_DASH,
        "chance", Results.CHANCE);
    svg.text("text", "chance", "x", x.at(Results.CHANCE), "y", top - 18, "text-anchor", "middle", "font-size", 10,
        "fill", FigureStyle.CHANCE_COLOUR);
    if (ceiling != null) {
      verticalLine(svg, x.at(ceiling), top - 14, bottom, FigureStyle.CEILING_COLOUR, FigureStyle.CEILING_DASH,
          "ceiling", ceiling);
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
          "data-model", r.model(), "data-setting", m.setting(), "data-kind", Figures.ZERO_SHOT,
          "data-accuracy", Svg.value(m.accuracy()), "data-ci-low", Svg.value(m.ciLow()), "data-ci-high",
          Svg.value(m.ciHigh()));
      Results.Probe p = r.probe();
      if (p == null) {
        svg.text("text", "probed", "x", labelW - 8, "y", y + 64, "text-anchor", "end", "font-size", SMALL);
        svg.text("text", "no probe result", "x", labelW, "y", y + 64, "font-size", SMALL, "fill", FigureStyle.TEXT_GREY,
            "class", "no-data");
      } else {
        WilsonInterval ci = p.interval();
        comparisonRow(svg, x, y + 60, "probed", p.heldOutAccuracy(), p.folds().isEmpty() ? null : ci,
            results.label(p), "square",
            PALETTE_MEASURED, String.format(Locale.ROOT, "%s: probed accuracy %.4f on %d held-out triplets (95%% CI "
                + "%.4f-%.4f)", p.setting(), p.heldOutAccuracy(), p.heldOutTriplets(), ci.low(), ci.high()),
            "data-model", r.model(), "data-setting", p.setting(), "data-kind", Figures.PROBE,
            "data-accuracy", Svg.value(p.heldOutAccuracy()), "data-ci-low", Svg.value(ci.low()),
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
        published(svg, x, y + 32, "zero-shot", Figures.ZERO_SHOT, p, p.zeroShot());
        published(svg, x, y + 49, "probed", Figures.PROBE, p, p.probed());
        svg.close("g");
        y += publishedBlock;
      }
    }
    return new Figures.Figure(name, caption, svg.finish());
  }


  /** One value of the comparison: its label at the left, a whisker, the marker, the value and the setting. */
  private static void comparisonRow(Svg svg, Figures.Scale x, double cy, String label, double value,
      WilsonInterval interval, String setting, String shape, String colour, String tooltip, Object... data) {
    svg.text("text", label, "x", x.from() - 8, "y", cy + 4, "text-anchor", "end", "font-size", SMALL);
    if (interval != null) {
      svg.element("line", "class", "interval", "x1", x.at(interval.low()), "x2", x.at(interval.high()), "y1", cy,
          "y2", cy, "stroke", colour, "stroke-width", 1.5);
    }
    List<Object> attributes = new ArrayList<>(List.of("class", "point", "fill", colour, "stroke", colour));
    attributes.addAll(Arrays.asList(data));
    svg.marker(shape, x.at(value), cy, 4, tooltip, attributes);
    svg.text("text", String.format(Locale.ROOT, "%.3f", value), "x", x.to() + 8, "y", cy + 4, "font-size", SMALL,
        "class", "value");
    svg.text("text", FigureStyle.fit(setting, PANEL_W - x.from() - 8, 10, false, false), "x", x.from(), "y", cy + 15,
        "font-size", 10, "fill", FigureStyle.TEXT_GREY, "class", "setting-label");
  }

  private static void published(Svg svg, Figures.Scale x, double cy, String label, String kind,
      PublishedResults.Row row, PublishedResults.Accuracy a) {
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
    svg.marker("diamond", x.at(a.value()), cy, 4, String.format(Locale.ROOT, "%s, %s %.4f, published: %s",
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
}
