package io.alignstream.report;

import java.util.List;
import java.util.Locale;

/** The report's {@code index.html}: the figures inline, the tables below them, links to every file. */
final class ReportPage {

  /** A small inline icon, so that opening the page requests nothing. */
  static final String FAVICON = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
      + "%3Crect width='16' height='16' rx='3' fill='%23332288'/%3E%3Cpath d='M3 12 L7 7 L10 9 L13 4' stroke='white'"
      + " stroke-width='2' fill='none'/%3E%3C/svg%3E";

  private ReportPage() {}

  /** The page; {@code sections} (HTML) follow the tables, e.g. {@link ReconstructionFigure#section}. */
  static String html(Results results, String source, List<Figures.Figure> figures, String pngNote, String sections) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>alignstream report</title>\n<link rel=\"icon\" href=\"").append(FAVICON).append("\">\n")
        .append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
        .append("<h1>alignstream report</h1>\n<p class=\"note\">Source: ").append(Svg.escape(source))
        .append(". ").append(results.metrics().size()).append(" settings, ").append(results.probes().size())
        .append(" probes, ").append(results.regressions().size()).append(" regressions. Chance 1/3; noise ceiling ")
        .append(ceiling(results.ceiling())).append(".</p>\n")
        .append("<p>Data: <a href=\"settings.csv\">settings.csv</a> · <a href=\"probes.csv\">probes.csv</a> · ")
        .append("<a href=\"probe_folds.csv\">probe_folds.csv</a> · <a href=\"regressions.csv\">regressions.csv</a> · ")
        .append("<a href=\"noise_ceiling.csv\">noise_ceiling.csv</a> · <a href=\"models.csv\">models.csv</a>")
        .append(results.published().isEmpty() ? "" : " · <a href=\"published.csv\">published.csv</a> (published "
            + "figures you gave, not measured here)")
        .append(". <span class=\"note\">")
        .append(Svg.escape(pngNote)).append(".</span></p>\n");
    for (Figures.Figure figure : figures) {
      figure(h, figure);
    }
    h.append("<h2>Settings</h2>\n<div class=\"scroll\"><table id=\"settings\">\n<tr><th>setting</th><th>accuracy</th><th>95% CI</th>")
        .append("<th>correct</th><th>total</th><th>normalized</th></tr>\n");
    for (Results.Metric m : results.metrics()) {
      h.append("<tr><td>").append(Svg.escape(m.setting())).append("</td><td>").append(f(m.accuracy(), 4))
          .append("</td><td>").append(f(m.ciLow(), 3)).append(" – ").append(f(m.ciHigh(), 3)).append("</td><td>")
          .append(m.correct()).append("</td><td>").append(m.total()).append("</td><td>")
          .append(m.normalized() == null ? "–" : f(m.normalized(), 3)).append("</td></tr>\n");
    }
    h.append("</table></div>\n");
    if (!results.probes().isEmpty()) {
      h.append("<h2>Probes</h2>\n<p class=\"note\">Accuracies on the held-out triplets of the folds; ")
          .append("intervals: Wilson 95% over those triplets pooled.</p>\n<div class=\"scroll\"><table id=\"probes\">")
          .append("\n<tr><th>setting</th><th>probed, held-out</th><th>95% CI</th><th>zero-shot, held-out</th>")
          .append("<th>held-out triplets</th><th>lambda</th><th>folds</th></tr>\n");
      for (Results.Probe p : results.probes()) {
        h.append("<tr><td>").append(Svg.escape(p.setting())).append("</td><td>").append(f(p.meanProbeAccuracy(), 4))
            .append("</td><td>").append(p.folds().isEmpty() ? "–" : f(p.interval().low(), 3) + " – "
                + f(p.interval().high(), 3))
            .append("</td><td>").append(p.meanZeroShotAccuracy() == null ? "–" : f(p.meanZeroShotAccuracy(), 4))
            .append("</td><td>").append(p.heldOutTriplets()).append("</td><td>").append(p.lambda())
            .append("</td><td>").append(p.folds().size()).append("</td></tr>\n");
      }
      h.append("</table></div>\n");
    }
    if (!results.regressions().isEmpty()) {
      h.append("<h2>Regressions</h2>\n<div class=\"scroll\"><table id=\"regressions\">\n<tr><th>setting</th><th>mean R²</th>")
          .append("<th>predicted-embedding accuracy</th><th>dimensions</th></tr>\n");
      for (Results.Regression r : results.regressions()) {
        h.append("<tr><td>").append(Svg.escape(r.setting())).append("</td><td>").append(f(r.meanR2(), 4))
            .append("</td><td>").append(r.predictedOooa() == null ? "–" : f(r.predictedOooa(), 4)).append("</td><td>")
            .append(r.dimensions().size()).append("</td></tr>\n");
      }
      h.append("</table></div>\n");
    }
    return h.append(sections).append("</body>\n</html>\n").toString();
  }

  /**
   * A figure: its panels side by side while they fit and one below the other on a narrow screen,
   * each shown at most at its own size (a panel of 400 px stays readable on a phone); a figure of
   * one wide panel (the R^2 heat-map) keeps its size and scrolls sideways instead of shrinking
   * its text.
   */
  private static void figure(StringBuilder h, Figures.Figure figure) {
    boolean wide = figure.panels().size() == 1 && width(figure.svg()) > WIDE;
    h.append("<figure id=\"").append(figure.name()).append("\"").append(wide ? " class=\"wide\"" : "")
        .append(">\n<div class=\"panels\">\n");
    for (String panel : figure.panels()) {
      h.append("<div class=\"panel\" style=\"max-width: ").append(width(panel)).append("px\">").append(panel)
          .append("</div>\n");
    }
    h.append("</div>\n<figcaption>").append(Svg.escape(figure.caption())).append(" — <a href=\"figures/")
        .append(figure.name()).append(".svg\">SVG</a></figcaption>\n</figure>\n");
  }

  /** Wider than this, a single panel scrolls rather than shrinks. */
  private static final int WIDE = 440;

  private static int width(String svg) {
    return Svg.size(svg)[0];
  }

  /** The page's style: panels that wrap, a body that fits a phone, tables that scroll rather than widen the page. */
  static final String STYLE = """
      body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1400px; }
      figure { margin: 1em 0 2em; } figcaption { color: #444; margin-top: .3em; max-width: 60em; }
      .panels { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
      .panel { flex: 1 1 auto; min-width: 0; }
      .panel svg { display: block; width: 100%; height: auto; }
      figure.wide .panels { display: block; overflow-x: auto; }
      figure.wide .panel { max-width: none !important; }
      figure.wide .panel svg { width: auto; max-width: none; }
      .scroll { overflow-x: auto; max-width: 100%; }
      table { border-collapse: collapse; font-size: 13px; } th, td { padding: .2em .6em;
        border-bottom: 1px solid #eee; text-align: right; } th { background: #f0f0f0; }
      td:first-child, th:first-child { text-align: left; font-family: ui-monospace, monospace; }
      .note { color: #555; }
      @media (max-width: 600px) { body { margin: .5em; } }
      """;

  private static String ceiling(Results.Ceiling c) {
    if (c.value() == null) {
      return "unavailable" + (c.repeatedTriplets() == null ? "" : " (" + c.repeatedTriplets() + " repeated triplets)");
    }
    StringBuilder s = new StringBuilder(f(c.value(), 3));
    if (c.ciLow() != null && c.ciHigh() != null) {
      s.append(" (95% CI ").append(f(c.ciLow(), 3)).append("–").append(f(c.ciHigh(), 3)).append(')');
    }
    if (c.repeatedTriplets() != null) {
      s.append(", from ").append(c.repeatedTriplets()).append(" repeated triplets");
      if (c.responses() != null) {
        s.append(" and ").append(c.responses()).append(" responses");
      }
    }
    if (c.source() != null) {
      s.append(", source: ").append(Svg.escape(c.source()));
    }
    return s.toString();
  }

  private static String f(double v, int digits) {
    return String.format(Locale.ROOT, "%." + digits + "f", v);
  }
}
