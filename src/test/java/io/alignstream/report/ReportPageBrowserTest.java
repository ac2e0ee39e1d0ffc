package io.alignstream.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported index.html, opened from disk in headless Chromium: what a reader's browser renders. */
class ReportPageBrowserTest {

  @Test
  void theStaticReportRendersEveryFigureFromDiskWithoutErrors(@TempDir Path dir) throws Exception {
    assumeTrue(HeadlessChromium.find().isPresent(), "no chromium here: apt-get install -y chromium");
    ObjectNode json = ContractReport.build(5);
    Path file = dir.resolve("report.json");
    new ObjectMapper().writeValue(file.toFile(), json);
    Path out = ReportFolder.fromJsonFile(file, dir.resolve("out"), true).dir();
    ReportCheck.assertPngsMatchTheirSvgs(out);

    try (DevToolsBrowser browser = DevToolsBrowser.start()) {
      browser.navigate(out.resolve("index.html").toUri().toString());
      browser.await("document.readyState === 'complete' && document.querySelectorAll('figure svg').length === 7",
          Duration.ofSeconds(30));

      // every accuracy point of the page has the report's value, and is drawn (has a size on screen)
      JsonNode points = browser.evaluate("[...document.querySelectorAll('#accuracy-sd21 circle.point')].map(c => "
          + "({setting: c.dataset.setting, accuracy: Number(c.dataset.accuracy), w: c.getBoundingClientRect().width}))");
      Map<String, Double> expected = new HashMap<>();
      json.get("settings").forEach(s -> expected.put(s.get("setting").asText(), s.get("accuracy").asDouble()));
      assertThat(points).hasSize(54);
      for (JsonNode p : points) {
        assertThat(p.get("accuracy").asDouble()).as(p.get("setting").asText())
            .isEqualTo(expected.get(p.get("setting").asText()));
        assertThat(p.get("w").asDouble()).isGreaterThan(0);
      }
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy-sd21 .panel')].length").asInt())
          .isEqualTo(2);
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy-sd21 .legend-entry')]"
          + ".map(e => e.textContent)")).extracting(JsonNode::asText)
          .contains("Down0", "Mid", "Up3", "chance 0.333", "noise ceiling 0.673");
      assertThat(browser.evaluate("document.querySelector('#probes-pixels .no-data').textContent").asText())
          .isEqualTo("no probe results for pixels yet");
      assertThat(browser.evaluate("document.querySelectorAll('#r2-sd21 rect.cell').length").asInt())
          .isEqualTo(2 * 9 * 5);
      assertThat(browser.evaluate("document.querySelectorAll('#settings tr').length").asInt())
          .isEqualTo(json.get("settings").size() + 1);
      browser.screenshot(Path.of("target", "browser", "report.png"));
      assertThat(browser.problems()).isEmpty();
    }
  }
}
