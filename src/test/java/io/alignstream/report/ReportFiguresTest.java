package io.alignstream.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The report folder from a contract JSON: every plotted value, every CSV cell, the empty figures. */
class ReportFiguresTest {

  @Test
  void everyPlottedPointAndCsvCellEqualsTheReport(@TempDir Path dir) throws Exception {
    ObjectNode json = ContractReport.build(11);
    Path file = dir.resolve("report.json");
    new ObjectMapper().writeValue(file.toFile(), json);

    ReportFolder.Written written = ReportFolder.fromJsonFile(file, dir.resolve("out"), false);

    Path out = written.dir();
    ReportCheck.assertMatches(out, json);
    for (String name : List.of("index.html", "settings.csv", "probes.csv", "probe_folds.csv", "regressions.csv",
        "noise_ceiling.csv", "figures/accuracy-sd21.svg", "figures/probes-sd21.svg", "figures/r2-sd21.svg",
        "figures/accuracy-pixels.svg", "figures/models.svg")) {
      assertThat(out.resolve(name)).as(name).isRegularFile();
    }
    // one panel per conditioning; 9 layers x 3 noise levels of points in each
    Document accuracy = ReportCheck.svg(out, "accuracy", "sd21");
    assertThat(ReportCheck.elements(accuracy, "circle")).hasSize(2 * 3 * 9);
    assertThat(ReportCheck.elements(accuracy, "g").stream().filter(g -> g.getAttribute("class").equals("panel"))
        .map(g -> g.getAttribute("data-conditioning"))).containsExactly("NONE", "TEXT");
    // chance and the ceiling as lines with their values, the ceiling in the legend
    assertThat(ReportCheck.elements(accuracy, "line").stream().filter(l -> l.getAttribute("data-kind").equals("ceiling"))
        .map(l -> Double.parseDouble(l.getAttribute("data-value")))).containsOnly(ContractReport.CEILING).hasSize(2);
    assertThat(ReportCheck.elements(accuracy, "line").stream().filter(l -> l.getAttribute("data-kind").equals("chance"))
        .map(l -> Double.parseDouble(l.getAttribute("data-value")))).containsOnly(1.0 / 3);
    assertThat(Files.readString(out.resolve("figures/accuracy-sd21.svg")))
        .contains(Figures.NOISE_AXIS, Figures.ACCURACY_AXIS, "noise ceiling 0.673");
    // a layer has one colour in every figure, and colours come from the Okabe-Ito palette
    Map<String, String> accuracyColours = colours(accuracy);
    assertThat(colours(ReportCheck.svg(out, "probes", "sd21"))).isEqualTo(accuracyColours);
    assertThat(accuracyColours.values()).allMatch(Figures.PALETTE::contains).doesNotHaveDuplicates();
    // a probe without zero-shot value has one point only
    assertThat(ReportCheck.elements(ReportCheck.svg(out, "probes", "sd21"), "circle")).hasSize(2 * 3 * 9 * 2 - 2 * 3);
    // figures without data say so
    Document noProbes = ReportCheck.svg(out, "probes", "pixels");
    assertThat(noProbes.getDocumentElement().getAttribute("data-empty")).isEqualTo("true");
    assertThat(noProbes.getDocumentElement().getTextContent()).contains("no probe results for pixels yet");
    assertThat(ReportCheck.svg(out, "r2", "pixels").getDocumentElement().getAttribute("data-empty")).isEqualTo("true");
    // the heat-map names every dimension, "dim 5" for the unlabelled one
    assertThat(ReportCheck.elements(ReportCheck.svg(out, "r2", "sd21"), "text").stream()
        .filter(t -> t.getAttribute("class").equals("dimension")).map(Element::getTextContent))
        .containsExactly("animal-related", "food, drink", "\"colourful\"", "metallic", "dim 5");
    // model comparison: the best setting per model, best first
    List<Element> best = ReportCheck.elements(ReportCheck.svg(out, "models", ""), "circle");
    double bestSd = 0;
    for (var s : json.get("settings")) {
      if (s.get("setting").asText().startsWith("sd21|")) {
        bestSd = Math.max(bestSd, s.get("accuracy").asDouble());
      }
    }
    assertThat(best).extracting(e -> e.getAttribute("data-model")).containsExactly("sd21", "pixels");
    assertThat(Double.parseDouble(best.get(0).getAttribute("data-accuracy"))).isEqualTo(bestSd);
    // the ceiling table keeps its support and source
    Map<String, String> ceiling = ReportCheck.csv(out.resolve("noise_ceiling.csv")).get(0);
    assertThat(ceiling).containsEntry("value", "0.673").containsEntry("repeated_triplets", "1000")
        .containsEntry("responses", "25000").containsEntry("source", "Hebart et al. 2020");
    assertThat(ReportCheck.csv(out.resolve("probe_folds.csv"))).hasSize(json.get("probes").size() * 3);
    assertThat(Files.readString(out.resolve("index.html"))).doesNotContain("<script").doesNotContain("src=\"http");
  }

  @Test
  void aReportWithNothingScoredSaysSoInEveryFigure(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("empty.json");
    Files.writeString(file, "{\"settings\": [], \"noise_ceiling\": null}");

    ReportFolder.Written written = ReportFolder.fromJsonFile(file, dir.resolve("out"), false);

    Document models = ReportCheck.svg(written.dir(), "models", "");
    assertThat(models.getDocumentElement().getAttribute("data-empty")).isEqualTo("true");
    assertThat(models.getDocumentElement().getTextContent()).contains("no scored settings yet");
    assertThat(ReportCheck.csv(written.dir().resolve("noise_ceiling.csv")).get(0)).containsEntry("value", "");
  }

  private static Map<String, String> colours(Document svg) {
    Map<String, String> colours = new HashMap<>();
    for (Element circle : ReportCheck.elements(svg, "circle")) {
      if (!circle.getAttribute("data-kind").equals("zero-shot")) {
        String previous = colours.put(circle.getAttribute("data-layer"), circle.getAttribute("fill"));
        assertThat(previous).isIn(null, circle.getAttribute("fill"));
      }
    }
    return colours;
  }
}
