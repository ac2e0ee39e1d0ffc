package io.alignstream.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The report folder from a contract JSON: every plotted value, every CSV cell, the empty figures. */
class ReportFiguresTest {

  @Test
  void everyPlottedPointAndCsvCellEqualsTheReport(@TempDir Path dir) throws Exception {
    ObjectNode json = ContractReport.withVisionModel(ContractReport.build(11), 12);
    Path file = dir.resolve("report.json");
    new ObjectMapper().writeValue(file.toFile(), json);

    ReportFolder.Written written = ReportFolder.fromJsonFile(file, dir.resolve("out"), false);

    Path out = written.dir();
    ReportCheck.assertMatches(out, json);
    for (String name : List.of("index.html", "settings.csv", "probes.csv", "probe_folds.csv", "regressions.csv",
        "noise_ceiling.csv", "models.csv", "figures/accuracy-sd21.svg", "figures/probes-sd21.svg",
        "figures/r2-sd21.svg", "figures/accuracy-pixels.svg", "figures/accuracy-vit.svg", "figures/models.svg")) {
      assertThat(out.resolve(name)).as(name).isRegularFile();
    }
    assertThat(out.resolve("published.csv")).as("no published figures were given").doesNotExist();
    // one panel per conditioning; 9 layers x 3 noise levels of points in each
    Document accuracy = ReportCheck.svg(out, "accuracy", "sd21");
    assertThat(ReportCheck.points(accuracy)).hasSize(2 * 3 * 9);
    assertThat(ReportCheck.elements(accuracy, "g").stream().filter(g -> g.getAttribute("class").equals("panel"))
        .map(g -> g.getAttribute("data-conditioning"))).containsExactly("NONE", "TEXT");
    // chance and the ceiling as lines with their values, the ceiling in the legend
    assertThat(ReportCheck.elements(accuracy, "line").stream().filter(l -> l.getAttribute("data-kind").equals("ceiling"))
        .map(l -> Double.parseDouble(l.getAttribute("data-value")))).containsOnly(ContractReport.CEILING).hasSize(2);
    assertThat(ReportCheck.elements(accuracy, "line").stream().filter(l -> l.getAttribute("data-kind").equals("chance"))
        .map(l -> Double.parseDouble(l.getAttribute("data-value")))).containsOnly(1.0 / 3);
    assertThat(Files.readString(out.resolve("figures/accuracy-sd21.svg")))
        .contains(FigureStyle.NOISE_AXIS, FigureStyle.ACCURACY_AXIS, "noise ceiling 0.673");
    // nine layers: no bands washing into each other, but an interval per point, the layers' points
    // at one noise level side by side
    assertThat(ReportCheck.elements(accuracy, "polygon")).noneMatch(p -> p.getAttribute("class").equals("interval"));
    assertThat(ReportCheck.elements(accuracy, "line").stream().filter(l -> l.getAttribute("class").equals("interval")))
        .hasSize(2 * 3 * 9);
    List<Double> xs = ReportCheck.points(accuracy).stream()
        .filter(p -> p.getAttribute("data-conditioning").equals("NONE") && p.getAttribute("data-noise").equals("0.2"))
        .map(p -> Double.parseDouble(p.getAttribute("cx"))).toList();
    assertThat(new TreeSet<>(xs)).as("distinct positions of the nine layers at s=0.2").hasSize(9);
    // a layer has one colour in every figure: the rule of FigureStyle, from Paul Tol's palette
    Map<String, String> accuracyColours = colours(accuracy);
    assertThat(colours(ReportCheck.svg(out, "probes", "sd21"))).isEqualTo(accuracyColours);
    accuracyColours.forEach((layer, colour) -> assertThat(colour).as(layer)
        .isEqualTo(FigureStyle.PALETTE.get(FigureStyle.UNET_LAYERS.indexOf(layer))));
    // a probe without zero-shot value has one point only; every probed point has its interval over
    // the held-out triplets of its folds (here 1500, 1501 and 1502 at 0.50, 0.51, 0.52)
    Document probes = ReportCheck.svg(out, "probes", "sd21");
    assertThat(ReportCheck.points(probes)).hasSize(2 * 3 * 9 * 2 - 2 * 3);
    double[] heldOut = ContractReport.wilson(750 + Math.round(1501 * 0.51) + Math.round(1502 * 0.52), 4503);
    for (Element p : ReportCheck.points(probes)) {
      if (p.getAttribute("data-kind").equals("probe")) {
        assertThat(Double.parseDouble(p.getAttribute("data-ci-low"))).isCloseTo(heldOut[0], within(1e-12));
        assertThat(Double.parseDouble(p.getAttribute("data-ci-high"))).isCloseTo(heldOut[1], within(1e-12));
        assertThat(p.getAttribute("data-held-out")).isEqualTo("4503");
      }
    }
    assertThat(texts(probes, "legend-entry")).contains("probed (held-out)", "zero-shot (held-out)");
    assertThat(Files.readString(out.resolve("index.html"))).contains("held-out triplets",
        "differ from the accuracy over every triplet");
    // figures without data say why; a report without an "analyses" key cannot tell more than "none"
    Document noProbes = ReportCheck.svg(out, "probes", "pixels");
    assertThat(noProbes.getDocumentElement().getAttribute("data-empty")).isEqualTo("true");
    assertThat(noProbes.getDocumentElement().getTextContent()).contains("no probe results for pixels");
    assertThat(ReportCheck.svg(out, "r2", "pixels").getDocumentElement().getTextContent())
        .contains("no regression results for pixels (regressions need --targets)");
    // the heat-map names every dimension, "dim 5" for the unlabelled one
    assertThat(texts(ReportCheck.svg(out, "r2", "sd21"), "dimension"))
        .containsExactly("animal-related", "food, drink", "\"colourful\"", "metallic", "dim 5");
    // model comparison: the best setting per model by zero-shot accuracy, best first, with its probe
    Document models = ReportCheck.svg(out, "models", "");
    List<Element> zeroShot = ReportCheck.points(models).stream()
        .filter(e -> e.getAttribute("data-kind").equals("zero-shot")).toList();
    Map<String, Double> best = new HashMap<>();
    Map<String, String> bestSetting = new HashMap<>();
    json.get("settings").forEach(s -> {
      if (!best.containsKey(model(s)) || s.get("accuracy").asDouble() > best.get(model(s))) {
        best.put(model(s), s.get("accuracy").asDouble());
        bestSetting.put(model(s), s.get("setting").asText());
      }
    });
    // the probe of that same setting, over its folds' held-out triplets pooled
    Map<String, Double> bestProbe = new HashMap<>();
    json.get("probes").forEach(p -> {
      if (p.get("setting").asText().equals(bestSetting.get(model(p)))) {
        long correct = 0;
        long total = 0;
        for (JsonNode fold : p.get("folds")) {
          correct += Math.round(fold.get("probe_accuracy").asDouble() * fold.get("test_triplets").asLong());
          total += fold.get("test_triplets").asLong();
        }
        bestProbe.put(model(p), (double) correct / total);
      }
    });
    List<String> order = new ArrayList<>(best.keySet());
    order.sort((a, b) -> Double.compare(best.get(b), best.get(a)));
    assertThat(zeroShot).extracting(e -> e.getAttribute("data-model")).containsExactlyElementsOf(order);
    zeroShot.forEach(e -> assertThat(Double.parseDouble(e.getAttribute("data-accuracy")))
        .isEqualTo(best.get(e.getAttribute("data-model"))));
    List<Element> probed = ReportCheck.points(models).stream().filter(e -> e.getAttribute("data-kind").equals("probe"))
        .toList();
    assertThat(probed).extracting(e -> e.getAttribute("data-model")).containsExactlyInAnyOrder("sd21", "vit");
    probed.forEach(e -> assertThat(Double.parseDouble(e.getAttribute("data-accuracy")))
        .isEqualTo(bestProbe.get(e.getAttribute("data-model"))));
    List<Map<String, String>> modelsCsv = ReportCheck.csv(out.resolve("models.csv"));
    assertThat(modelsCsv).extracting(r -> r.get("model")).containsExactlyElementsOf(order);
    modelsCsv.forEach(r -> assertThat(Double.parseDouble(r.get("zero_shot_accuracy"))).isEqualTo(best.get(r.get("model"))));
    assertThat(modelsCsv.stream().filter(r -> r.get("model").equals("pixels")).findFirst().orElseThrow())
        .containsEntry("probed_accuracy", "").containsEntry("settings", "2");
    // the ceiling table keeps its support and source
    Map<String, String> ceiling = ReportCheck.csv(out.resolve("noise_ceiling.csv")).get(0);
    assertThat(ceiling).containsEntry("value", "0.673").containsEntry("repeated_triplets", "1000")
        .containsEntry("responses", "25000").containsEntry("source", "Hebart et al. 2020");
    assertThat(ReportCheck.csv(out.resolve("probe_folds.csv"))).hasSize(json.get("probes").size() * 3);
    assertThat(Files.readString(out.resolve("index.html"))).doesNotContain("<script").doesNotContain("src=\"http");
  }

  @Test
  void aVisionModelIsDrawnPerLayerWithNoNoiseAxis(@TempDir Path dir) throws Exception {
    ObjectNode json = ContractReport.withVisionModel(ContractReport.build(11), 13);
    Path file = dir.resolve("report.json");
    new ObjectMapper().writeValue(file.toFile(), json);

    Path out = ReportFolder.fromJsonFile(file, dir.resolve("out"), false).dir();

    Document vit = ReportCheck.svg(out, "accuracy", "vit");
    String text = vit.getDocumentElement().getTextContent();
    assertThat(text).doesNotContain(FigureStyle.NOISE_AXIS).doesNotContain("s=0").doesNotContain("NONE")
        .contains("pooling cls", "pooling mean");
    // layers in network order on a categorical axis, whatever order they arrived in
    assertThat(texts(vit, "layer-label")).containsExactlyElementsOf(ContractReport.VISION_LAYERS);
    // one colour per layer, one marker per pooling: circles for cls, squares for mean
    List<Element> points = ReportCheck.points(vit);
    assertThat(points).hasSize(6);
    for (Element p : points) {
      assertThat(p.getTagName()).as(p.getAttribute("data-setting"))
          .isEqualTo(p.getAttribute("data-pooling").equals("cls") ? "circle" : "rect");
      assertThat(p.getAttribute("fill")).isEqualTo(FigureStyle.PALETTE.get(
          ContractReport.VISION_LAYERS.indexOf(p.getAttribute("data-layer"))));
    }
    // the pixel baseline (all at noise 0, NONE) is points per layer too, labelled by layer alone
    Document pixels = ReportCheck.svg(out, "accuracy", "pixels");
    assertThat(texts(pixels, "layer-label")).containsExactly("hist", "rgb16");
    assertThat(pixels.getDocumentElement().getTextContent()).doesNotContain(FigureStyle.NOISE_AXIS);
    // the comparison names vision settings by layer and pooling
    assertThat(texts(ReportCheck.svg(out, "models", ""), "setting-label"))
        .anyMatch(t -> t.matches("encoder\\.[a-z0-9.]+ \u00b7 (cls|mean)")).noneMatch(t -> t.contains("vit|"));
  }

  @Test
  void publishedFiguresAreShownApartAndLabelledAsSuch(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("report.json");
    new ObjectMapper().writeValue(file.toFile(), ContractReport.build(4));
    Path published = Files.writeString(dir.resolve("published.csv"), """
        model,zero_shot_accuracy,zero_shot_ci_low,zero_shot_ci_high,probed_accuracy,source
        other-net,0.512,0.5,0.524,0.6,"Someone et al., Table 2"
        only-probed,,,,0.55,Elsewhere 2024
        """);
    Results results = ReportFolder.readJson(file).results().withPublished(PublishedResults.read(published));

    Path out = ReportFolder.write(results, "report.json", dir.resolve("out"), false).dir();

    Document models = ReportCheck.svg(out, "models", "");
    // measured points and published ones are different elements: no measured list contains a published model
    assertThat(ReportCheck.points(models)).extracting(e -> e.getAttribute("data-model")).doesNotContain("other-net",
        "only-probed");
    List<Element> others = ReportCheck.elements(models, "polygon").stream()
        .filter(e -> e.getAttribute("class").equals("published-point")).toList();
    assertThat(others).extracting(e -> e.getAttribute("data-model") + " " + e.getAttribute("data-kind") + " "
        + e.getAttribute("data-accuracy")).containsExactly("other-net zero-shot 0.512", "other-net probe 0.6",
            "only-probed probe 0.55");
    assertThat(models.getDocumentElement().getTextContent()).contains("published, not measured here",
        "other-net (Someone et al., Table 2)");
    assertThat(ReportCheck.csv(out.resolve("models.csv"))).extracting(r -> r.get("model"))
        .containsExactlyInAnyOrder("sd21", "pixels");
    List<Map<String, String>> rows = ReportCheck.csv(out.resolve("published.csv"));
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0)).containsEntry("model", "other-net").containsEntry("source", "Someone et al., Table 2")
        .containsEntry("zero_shot_ci_low", "0.5").containsEntry("probed_ci_low", "");
    assertThat(Files.readString(out.resolve("index.html"))).contains("published.csv");
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

  @Test
  void anEmptyFigureSaysWhyWhenTheReportNamesTheAnalysesRun(@TempDir Path dir) throws Exception {
    ObjectNode json = ContractReport.build(2);
    ObjectNode analyses = json.putObject("analyses");
    analyses.put("probes", true);
    analyses.put("regressions", false);
    analyses.putObject("failures").put("probe|pixels|hist|0|NONE", "too few triplets for 3 folds");
    Path file = dir.resolve("report.json");
    new ObjectMapper().writeValue(file.toFile(), json);

    Path out = ReportFolder.fromJsonFile(file, dir.resolve("out"), false).dir();

    assertThat(ReportCheck.svg(out, "r2", "pixels").getDocumentElement().getTextContent())
        .contains("regression not requested: --targets");
    assertThat(ReportCheck.svg(out, "probes", "pixels").getDocumentElement().getTextContent())
        .contains("probe failed for pixels|hist|0|NONE: too few triplets for 3 folds");
  }

  private static String model(JsonNode row) {
    return row.get("setting").asText().split("\\|")[0];
  }

  private static List<String> texts(Document svg, String cssClass) {
    return ReportCheck.elements(svg, "text").stream().filter(t -> t.getAttribute("class").equals(cssClass))
        .map(Element::getTextContent).toList();
  }

  private static Map<String, String> colours(Document svg) {
    Map<String, String> colours = new HashMap<>();
    for (Element point : ReportCheck.points(svg)) {
      if (!point.getAttribute("data-kind").equals("zero-shot")) {
        String previous = colours.put(point.getAttribute("data-layer"), point.getAttribute("fill"));
        assertThat(previous).isIn(null, point.getAttribute("fill"));
      }
    }
    return colours;
  }
}
