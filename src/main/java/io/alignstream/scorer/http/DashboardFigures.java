package io.alignstream.scorer.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.report.Figures;
import io.alignstream.report.PublishedResults;
import io.alignstream.report.Results;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The dashboard's figures, drawn by the report's {@link Figures} from the scorer's results as
 * they are now, so that the live page and an exported report show the same drawing of the same
 * numbers (colours, layouts, intervals, empty states) from one piece of code.
 */
final class DashboardFigures {

  /**
   * A figure as the dashboard receives it: which container it goes to ({@code accuracy},
   * {@code probes}, {@code r2}, {@code models}), its caption, whether it is empty, its panels (SVG).
   */
  record FigureView(String kind, String name, String caption, boolean empty, List<String> panels) {
    static FigureView of(String kind, Figures.Figure f) {
      return new FigureView(kind, f.name(), f.caption(), f.isEmpty(), f.panels());
    }
  }

  /** What {@code /figures} answers: a model's figures, and whether published figures are shown beside them. */
  record FiguresView(String model, boolean published, List<FigureView> figures) {}

  private static final List<String> KINDS = List.of("accuracy", "probes", "r2");

  private final MetricsQuery query;
  private final Supplier<AnalysesView> analyses;
  private final List<PublishedResults.Row> published;
  private final ObjectMapper json = new ObjectMapper();

  DashboardFigures(MetricsQuery query, Supplier<AnalysesView> analyses, List<PublishedResults.Row> published) {
    this.query = query;
    this.analyses = analyses;
    this.published = published;
  }

  /** Every result the scorer serves, read as a report reads a demo's JSON. */
  Results results() {
    ObjectNode report = json.createObjectNode();
    report.set("settings", json.valueToTree(query.allMetrics()));
    report.set("probes", json.valueToTree(query.allProbes()));
    report.set("regressions", json.valueToTree(query.allRegressions()));
    query.ceiling().ifPresent(c -> report.set("noise_ceiling", json.valueToTree(c)));
    report.set("analyses", json.valueToTree(analyses.get()));
    return Results.fromJson(report).withPublished(published);
  }

  /** The figures of {@code model} (accuracy, probes, R^2) and the comparison of every model. */
  static FiguresView view(Results results, String model) {
    return new FiguresView(model, !results.published().isEmpty(), of(results, model));
  }

  private static List<FigureView> of(Results results, String model) {
    List<Figures.Figure> figures = Figures.ofModel(results, model);
    List<FigureView> views = new ArrayList<>();
    for (int i = 0; i < KINDS.size(); i++) {
      views.add(FigureView.of(KINDS.get(i), figures.get(i)));
    }
    views.add(FigureView.of("models", Figures.models(results)));
    return views;
  }

  /** The figures of every model, by model, and the comparison: what a static snapshot needs. */
  static Map<String, List<FigureView>> ofEveryModel(Results results) {
    Map<String, List<FigureView>> byModel = new LinkedHashMap<>();
    for (String model : results.models()) {
      byModel.put(model, of(results, model));
    }
    return byModel;
  }
}
