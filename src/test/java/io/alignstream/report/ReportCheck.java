package io.alignstream.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads a report folder back as a reader would (the SVG as XML, the CSV as text) and compares
 * every plotted number with the report JSON it was made from: the {@code data-*} value of each
 * point, and its position read back through the axis tick labels.
 */
public final class ReportCheck {

  private ReportCheck() {}

  /** Every setting, probe and regression of {@code json} is plotted and tabled with its value. */
  public static void assertMatches(Path dir, JsonNode json) throws Exception {
    for (JsonNode s : json.path("settings")) {
      if (s.path("total").asLong() == 0) {
        continue;
      }
      String setting = s.get("setting").asText();
      Element point = point(dir, "accuracy", setting, null);
      assertThat(Double.parseDouble(point.getAttribute("data-accuracy"))).as(setting)
          .isEqualTo(s.get("accuracy").asDouble());
      assertThat(Double.parseDouble(point.getAttribute("data-ci-low"))).isEqualTo(s.get("ci_low").asDouble());
      assertThat(Double.parseDouble(point.getAttribute("data-ci-high"))).isEqualTo(s.get("ci_high").asDouble());
      assertThat(plottedValue(point)).as("position of %s", setting).isCloseTo(s.get("accuracy").asDouble(),
          within(0.002));
    }
    for (JsonNode p : json.path("probes")) {
      String setting = p.get("setting").asText();
      Element probe = point(dir, "probes", setting, "probe");
      assertThat(Double.parseDouble(probe.getAttribute("data-accuracy"))).isEqualTo(p.get("mean_probe_accuracy")
          .asDouble());
      assertThat(plottedValue(probe)).isCloseTo(p.get("mean_probe_accuracy").asDouble(), within(0.002));
      if (p.path("mean_zero_shot_accuracy").isNumber()) {
        Element zeroShot = point(dir, "probes", setting, "zero-shot");
        assertThat(Double.parseDouble(zeroShot.getAttribute("data-accuracy")))
            .isEqualTo(p.get("mean_zero_shot_accuracy").asDouble());
        assertThat(plottedValue(zeroShot)).isCloseTo(p.get("mean_zero_shot_accuracy").asDouble(), within(0.002));
      }
    }
    for (JsonNode r : json.path("regressions")) {
      String setting = r.get("setting").asText();
      Document svg = svg(dir, "r2", model(setting));
      Map<String, Element> cells = new HashMap<>();
      for (Element cell : elements(svg, "rect")) {
        if (cell.getAttribute("data-setting").equals(setting)) {
          cells.put(cell.getAttribute("data-dimension"), cell);
        }
      }
      assertThat(cells).as("cells of %s", setting).hasSize(r.get("dimensions").size());
      for (JsonNode d : r.get("dimensions")) {
        Element cell = cells.get(d.get("index").asText());
        assertThat(Double.parseDouble(cell.getAttribute("data-r2"))).isEqualTo(d.get("r2").asDouble());
        if (d.path("label").isTextual()) {
          assertThat(cell.getAttribute("data-label")).isEqualTo(d.get("label").asText());
        }
      }
    }
    assertCsv(dir.resolve("settings.csv"), json.path("settings"), "setting", "accuracy", "ci_low", "ci_high",
        "correct", "total");
    assertCsv(dir.resolve("probes.csv"), json.path("probes"), "setting", "lambda", "mean_probe_accuracy",
        "mean_zero_shot_accuracy");
    List<Map<String, String>> regressionRows = csv(dir.resolve("regressions.csv"));
    int dimensions = 0;
    for (JsonNode r : json.path("regressions")) {
      for (JsonNode d : r.get("dimensions")) {
        Map<String, String> row = regressionRows.get(dimensions++);
        assertThat(row.get("setting")).isEqualTo(r.get("setting").asText());
        assertThat(Double.parseDouble(row.get("r2"))).isEqualTo(d.get("r2").asDouble());
        assertThat(Double.parseDouble(row.get("mean_r2"))).isEqualTo(r.get("mean_r2").asDouble());
      }
    }
    assertThat(regressionRows).hasSize(dimensions);
    if (Files.exists(dir.resolve("figures/models.png"))) { // PNGs were asked for and a browser was there
      assertPngsMatchTheirSvgs(dir);
    }
  }

  /** Every SVG has a PNG of its own width and height beside it. */
  static void assertPngsMatchTheirSvgs(Path dir) throws Exception {
    try (var svgs = Files.list(dir.resolve("figures"))) {
      for (Path svg : svgs.filter(p -> p.toString().endsWith(".svg")).toList()) {
        Element root = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile())
            .getDocumentElement();
        BufferedImage png = ImageIO.read(Path.of(svg.toString().replaceFirst("\\.svg$", ".png")).toFile());
        assertThat(png).as("PNG of %s", svg.getFileName()).isNotNull();
        assertThat(png.getWidth() + "x" + png.getHeight()).as(svg.getFileName().toString())
            .isEqualTo(root.getAttribute("width") + "x" + root.getAttribute("height"));
      }
    }
  }

  public static JsonNode json(Path file) throws Exception {
    return new ObjectMapper().readTree(file.toFile());
  }

  private static String model(String setting) {
    return setting.substring(0, setting.indexOf('|'));
  }

  static Document svg(Path dir, String prefix, String model) throws Exception {
    Path file = dir.resolve("figures").resolve((model.isEmpty() ? prefix : Figures.fileName(prefix, model)) + ".svg");
    assertThat(file).exists();
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }

  static List<Element> elements(Document doc, String tag) {
    NodeList nodes = doc.getElementsByTagName(tag);
    List<Element> list = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      list.add((Element) nodes.item(i));
    }
    return list;
  }

  /** The plotted points of a figure, whatever their marker (circle, square, diamond, triangle). */
  static List<Element> points(Document svg) {
    List<Element> points = new ArrayList<>();
    for (String tag : List.of("circle", "rect", "polygon")) {
      elements(svg, tag).stream().filter(e -> e.getAttribute("class").equals("point")).forEach(points::add);
    }
    return points;
  }

  private static Element point(Path dir, String prefix, String setting, String kind) throws Exception {
    List<Element> found = points(svg(dir, prefix, model(setting))).stream()
        .filter(c -> c.getAttribute("data-setting").equals(setting))
        .filter(c -> kind == null || c.getAttribute("data-kind").equals(kind)).toList();
    assertThat(found).as("%s point of %s (%s)", prefix, setting, kind).hasSize(1);
    return found.get(0);
  }

  /**
   * The value a reader sees: the point's height read against the y-axis tick labels of its panel
   * (two labelled grid lines define the linear axis).
   */
  static double plottedValue(Element point) {
    Element panelRoot = (Element) point.getOwnerDocument().getDocumentElement();
    // a pooled setting's point sits in the model's panel of pooled settings
    String conditioning = point.hasAttribute("data-pooling") ? "pooled" : point.getAttribute("data-conditioning");
    Element panel = null;
    NodeList groups = panelRoot.getElementsByTagName("g");
    for (int i = 0; i < groups.getLength(); i++) {
      Element g = (Element) groups.item(i);
      if (g.getAttribute("class").equals("panel") && g.getAttribute("data-conditioning").equals(conditioning)) {
        panel = g;
      }
    }
    assertThat(panel).as("panel %s", conditioning).isNotNull();
    List<double[]> ticks = new ArrayList<>();
    NodeList texts = panel.getElementsByTagName("text");
    for (int i = 0; i < texts.getLength(); i++) {
      Element t = (Element) texts.item(i);
      if (t.getAttribute("text-anchor").equals("end")) {
        ticks.add(new double[] {Double.parseDouble(t.getTextContent()), Double.parseDouble(t.getAttribute("y")) - 4});
      }
    }
    assertThat(ticks.size()).as("labelled y ticks").isGreaterThanOrEqualTo(2);
    double[] a = ticks.get(0);
    double[] b = ticks.get(ticks.size() - 1);
    double cy = Double.parseDouble(point.hasAttribute("cy") ? point.getAttribute("cy") : point.getAttribute("data-cy"));
    return a[0] + (cy - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
  }

  /** Each JSON row's fields equal the CSV row's cells, in order. */
  private static void assertCsv(Path file, JsonNode rows, String... fields) throws Exception {
    List<Map<String, String>> table = csv(file);
    assertThat(table).as(file.toString()).hasSize(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      for (String field : fields) {
        JsonNode expected = rows.get(i).path(field);
        String cell = table.get(i).get(field);
        if (expected.isNumber()) {
          assertThat(Double.parseDouble(cell)).as("%s row %d %s", file.getFileName(), i, field)
              .isEqualTo(expected.asDouble());
        } else if (expected.isTextual()) {
          assertThat(cell).isEqualTo(expected.asText());
        } else {
          assertThat(cell).as("missing %s is an empty cell", field).isEmpty();
        }
      }
    }
  }

  /** A plain RFC 4180 reader: the header names the cells, quotes may hold commas and doubled quotes. */
  static List<Map<String, String>> csv(Path file) throws Exception {
    String text = Files.readString(file);
    List<List<String>> records = new ArrayList<>();
    List<String> record = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        record.add(cell.toString());
        cell.setLength(0);
      } else if (c == '\n') {
        record.add(cell.toString());
        cell.setLength(0);
        records.add(record);
        record = new ArrayList<>();
      } else if (c != '\r') {
        cell.append(c);
      }
    }
    List<Map<String, String>> rows = new ArrayList<>();
    List<String> header = records.get(0);
    for (List<String> r : records.subList(1, records.size())) {
      assertThat(r).as("cells in %s", file.getFileName()).hasSameSizeAs(header);
      Map<String, String> row = new HashMap<>();
      for (int i = 0; i < header.size(); i++) {
        row.put(header.get(i), r.get(i));
      }
      rows.add(row);
    }
    return rows;
  }
}
