package io.alignstream.report;

import static io.alignstream.CommandRun.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.CommandRun;
import io.alignstream.report.browser.DevToolsBrowser;
import io.alignstream.report.browser.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported index.html, opened from disk in headless Chromium: what a reader's browser renders,
 * on a laptop, a narrow window and a phone.
 */
class ReportPageBrowserTest {

  @Test
  void theStaticReportRendersEveryFigureReadablyAtEveryWidth(@TempDir Path dir) throws Exception {
    assumeTrue(HeadlessChromium.find().isPresent(), "no chromium here: apt-get install -y chromium");
    ObjectNode json = ContractReport.withVisionModel(ContractReport.build(5), 6);
    Path file = dir.resolve("report.json");
    new ObjectMapper().writeValue(file.toFile(), json);
    Path published = Files.writeString(dir.resolve("published.csv"), """
        model,zero_shot_accuracy,probed_accuracy,probed_ci_low,probed_ci_high,source
        a published model with a long name,0.45,0.52,0.5,0.54,"Author et al. 2023, Table 1"
        """);
    Path out = dir.resolve("out");
    CommandRun report = run("report", "--from-json", file.toString(), "--published", published.toString(), "--out",
        out.toString());
    assertThat(report.code()).as(report.err()).isZero();
    ReportCheck.assertPngsMatchTheirSvgs(out);

    try (DevToolsBrowser browser = DevToolsBrowser.start()) {
      browser.navigate(out.resolve("index.html").toUri().toString());
      // the comparison, then accuracy, probes and R^2 of each of three models
      browser.await("document.readyState === 'complete' && document.querySelectorAll('figure').length === 10",
          Duration.ofSeconds(30));

      // every accuracy point of the page has the report's value, and is drawn (has a size on screen)
      JsonNode points = browser.evaluate("[...document.querySelectorAll('#accuracy-sd21 .point')].map(c => "
          + "({setting: c.dataset.setting, accuracy: Number(c.dataset.accuracy), w: c.getBoundingClientRect().width}))");
      Map<String, Double> expected = new HashMap<>();
      json.get("settings").forEach(s -> expected.put(s.get("setting").asText(), s.get("accuracy").asDouble()));
      assertThat(points).hasSize(54);
      for (JsonNode p : points) {
        assertThat(p.get("accuracy").asDouble()).as(p.get("setting").asText())
            .isEqualTo(expected.get(p.get("setting").asText()));
        assertThat(p.get("w").asDouble()).isGreaterThan(0);
      }
      assertThat(browser.evaluate("document.querySelectorAll('#accuracy-sd21 div.panel').length").asInt()).isEqualTo(2);
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy-sd21 .legend-entry')]"
          + ".map(e => e.textContent)")).extracting(JsonNode::asText)
          .contains("Down0", "Mid", "Up3", "chance 0.333", "noise ceiling 0.673");
      assertThat(browser.evaluate("document.querySelector('#probes-pixels .no-data').textContent").asText())
          .isEqualTo("no probe results for pixels");
      assertThat(browser.evaluate("document.querySelectorAll('#r2-sd21 rect.cell').length").asInt())
          .isEqualTo(2 * 9 * 5);
      assertThat(browser.evaluate("document.querySelectorAll('#settings tr').length").asInt())
          .isEqualTo(json.get("settings").size() + 1);
      assertThat(browser.evaluate("document.querySelector('#models').textContent").asText())
          .contains("published, not measured here", "Author et al. 2023");

      // no text is cut off, no legend entry overlaps another, at a laptop's width, a narrow window's
      // and a phone's; the phone gets the panels one below the other at a readable size, the wide
      // heat-map scrolls in its own box, and the page itself is never wider than the screen
      FigureChecks.assertNothingClipped(browser, "1280 px");
      browser.screenshot(Path.of("target", "browser", "report.png"));
      browser.viewport(820, 1000, false);
      FigureChecks.assertNothingClipped(browser, "820 px");
      browser.viewport(390, 844, true);
      browser.await("window.innerWidth === 390", Duration.ofSeconds(5));
      FigureChecks.assertNothingClipped(browser, "a phone");
      assertThat(FigureChecks.smallestText(browser)).as("smallest figure text on a phone, px").isGreaterThanOrEqualTo(9);
      assertThat(browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth").asBoolean()).isTrue();
      assertThat(browser.evaluate("(() => { const [a, b] = document.querySelectorAll('#accuracy-sd21 div.panel');"
          + " return b.getBoundingClientRect().top >= a.getBoundingClientRect().bottom; })()").asBoolean())
          .as("the two panels of a figure one below the other").isTrue();
      browser.screenshot(Path.of("target", "browser", "report-phone.png"));
      assertThat(browser.problems()).isEmpty();
    }
  }
}
