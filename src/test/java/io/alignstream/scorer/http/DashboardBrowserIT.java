package io.alignstream.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.common.SettingKey;
import io.alignstream.local.SharedTestBroker;
import io.alignstream.report.DevToolsBrowser;
import io.alignstream.report.Figures;
import io.alignstream.report.HeadlessChromium;
import io.alignstream.report.Results;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.Setting;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.BrokerFixture;
import io.alignstream.scorer.ScorerService;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The live dashboard in headless Chromium, served by a scorer on the real embedded broker: it
 * starts empty and says so, fills from Server-Sent Events with the figures of the seed paper,
 * plots exactly the values the REST API serves, follows deep links and the keyboard, shows probes
 * and regressions arriving as contract-shaped events, stays readable on a phone, and logs no
 * error. Screenshots go to target/browser/.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DashboardBrowserIT {

  private static final List<String> LAYERS = List.of("Down0", "Mid", "Up1");
  private static final double[] NOISE = {0.01, 0.2, 0.5};

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void theDashboardDrawsTheLiveFiguresFromTheScorer(@TempDir Path dir) throws Exception {
    assumeTrue(HeadlessChromium.find().isPresent(), "no chromium here: apt-get install -y chromium");
    SyntheticData data = SyntheticData.generate(41, 30, 400, new int[] {4});
    Map<String, Map<String, float[]>> vectors = new LinkedHashMap<>();
    List<LayerEmbedding> embeddings = new ArrayList<>();
    Random random = new Random(7);
    List<Setting> settings = new ArrayList<>();
    for (Conditioning c : Conditioning.values()) {
      for (double s : NOISE) {
        LAYERS.forEach(l -> settings.add(SyntheticData.setting("sd", l, s, c)));
      }
    }
    settings.add(SyntheticData.setting("pixels", "rgb16", 0, Conditioning.NONE));
    for (Setting setting : settings) {
      Map<String, float[]> byItem = new LinkedHashMap<>();
      for (String item : data.items) {
        float[] v = new float[8];
        for (int d = 0; d < v.length; d++) {
          v[d] = (float) random.nextGaussian();
        }
        byItem.put(item, v);
        embeddings.add(SyntheticData.embedding(setting, item, v));
      }
      vectors.put(SettingKey.of(setting), byItem);
    }
    Map<String, BatchReference.Score> expected = new LinkedHashMap<>();
    vectors.forEach((k, v) -> expected.put(k, BatchReference.score(v, data.triplets, true)));

    String app = "dashboard-" + UUID.randomUUID();
    // A ceiling from the few repeated triplets of the test data, so that its line is drawn.
    try (BrokerFixture kafka = new BrokerFixture(SharedTestBroker.bootstrapServers(), SharedTestBroker.registryUrl(),
            app + ".");
        ScorerService scorer = ScorerService.start(kafka.cluster, ScorerConfig.defaults(dir)
            .withStreams(s -> s.withApplicationId(app))
            .withHttp(h -> h.withPort(0))
            .withNewTopics(t -> t.withPartitions(2))
            .withWindows(w -> w.withEmitInterval(Duration.ofMillis(200)))
            .withCeiling(CeilingConfig.defaults().withMinRepeatedTriplets(1))
            // No probe jobs: the probe panels are driven by the events the test sends; a real
            // result finishing first (a loaded machine) would leave no empty panel to check.
            .withAnalysis(AnalysisConfig.defaults().withThreads(0)));
        DevToolsBrowser browser = DevToolsBrowser.start()) {
      assertThat(scorer.awaitRunning(Duration.ofSeconds(60))).isTrue();
      browser.navigate(scorer.baseUri() + "?model=sd&layer=Mid");
      browser.await("document.getElementById('state').textContent === 'live'", Duration.ofSeconds(30));
      assertThat(browser.evaluate("document.querySelector('#accuracy .no-data').textContent").asText())
          .isEqualTo("no scored triplets for sd yet");

      kafka.send(data.triplets);
      kafka.send(new ArrayList<>(embeddings));
      Map<String, AlignmentMetric> finals = kafka.awaitMetrics(latest -> expected.entrySet().stream().allMatch(e ->
          latest.containsKey(e.getKey()) && latest.get(e.getKey()).getTotal() == e.getValue().total()),
          Duration.ofSeconds(90));
      assertThat(finals.keySet()).containsAll(expected.keySet());
      String finalCondition = "(() => { const want = " + json.writeValueAsString(totals(expected)) + ";"
          + " const pts = [...document.querySelectorAll('#accuracy circle.point')];"
          + " return pts.length === 18 && pts.every(p => alignstream.data.metrics.get(p.dataset.setting).total"
          + " === want[p.dataset.setting]); })()";
      browser.await(finalCondition, Duration.ofSeconds(60));

      // every plotted point is the metric the REST API serves for its setting
      JsonNode served = get(scorer, "metrics?model=sd");
      JsonNode points = browser.evaluate("[...document.querySelectorAll('#accuracy circle.point')].map(c => ({"
          + "setting: c.dataset.setting, accuracy: Number(c.dataset.accuracy), low: Number(c.dataset.ciLow),"
          + " high: Number(c.dataset.ciHigh)}))");
      assertThat(points).hasSize(served.size()).hasSize(18);
      Map<String, JsonNode> bySetting = new LinkedHashMap<>();
      served.forEach(m -> bySetting.put(m.get("setting").asText(), m));
      for (JsonNode p : points) {
        JsonNode m = bySetting.get(p.get("setting").asText());
        BatchReference.Score score = expected.get(p.get("setting").asText());
        assertThat(p.get("accuracy").asDouble()).as(p.get("setting").asText())
            .isEqualTo(m.get("accuracy").asDouble()).isEqualTo((double) score.correct() / score.total());
        assertThat(p.get("low").asDouble()).isEqualTo(m.get("ci_low").asDouble());
        assertThat(p.get("high").asDouble()).isEqualTo(m.get("ci_high").asDouble());
      }
      // the report's Java renderer draws the same points in the same colours from the same data
      ObjectNode report = json.createObjectNode();
      report.set("settings", get(scorer, "metrics"));
      Figures.Figure javaFigure = Figures.all(Results.fromJson(report)).stream()
          .filter(f -> f.name().equals("accuracy-sd")).findFirst().orElseThrow();
      NodeList circles = DocumentBuilderFactory.newInstance().newDocumentBuilder()
          .parse(new InputSource(new StringReader(javaFigure.svg()))).getElementsByTagName("circle");
      JsonNode pagePoints = browser.evaluate("Object.fromEntries([...document.querySelectorAll('#accuracy circle.point')]"
          + ".map(c => [c.dataset.setting, {fill: c.getAttribute('fill'), accuracy: Number(c.dataset.accuracy)}]))");
      assertThat(circles.getLength()).isEqualTo(pagePoints.size()).isEqualTo(18);
      for (int i = 0; i < circles.getLength(); i++) {
        Element c = (Element) circles.item(i);
        JsonNode drawn = pagePoints.get(c.getAttribute("data-setting"));
        assertThat(drawn.get("fill").asText()).as("colour of %s", c.getAttribute("data-setting"))
            .isEqualTo(c.getAttribute("fill"));
        assertThat(drawn.get("accuracy").asDouble()).isEqualTo(Double.parseDouble(c.getAttribute("data-accuracy")));
      }

      // one panel per conditioning, chance and ceiling lines and legend values
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy svg')].map(s => s.dataset.conditioning)"))
          .extracting(JsonNode::asText).containsExactly("NONE", "TEXT");
      // The ceiling of every triplet, computed here; the page shows it once the scorer has them all.
      double ceiling = BatchReference.ceiling(data.triplets)[0];
      String shown = String.format(Locale.ROOT, "%.3f", ceiling);
      browser.await("document.getElementById('ceiling').textContent === '" + shown + "'", Duration.ofSeconds(30));
      double servedCeiling = get(scorer, "ceiling").get("value").asDouble();
      assertThat(servedCeiling).isCloseTo(ceiling, within(1e-12));
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy .legend-entry')].map(e => e.textContent)"))
          .extracting(JsonNode::asText).contains("Down0", "Mid", "Up1", "chance 0.333",
              String.format(Locale.ROOT, "noise ceiling %.3f", ceiling));
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy line.reference')]"
          + ".filter(l => l.dataset.kind === 'ceiling').map(l => Number(l.dataset.value))"))
          .extracting(JsonNode::asDouble).containsOnly(servedCeiling);
      // the deep link chose the model and the layer
      assertThat(browser.evaluate("[document.getElementById('model').value, document.getElementById('layer').value]"))
          .extracting(JsonNode::asText).containsExactly("sd", "Mid");
      // progress: embeddings scored per model
      assertThat(browser.evaluate("document.querySelector('#progress tr[data-model=sd]').cells[2].textContent")
          .asText()).isEqualTo((18 * data.items.size()) + " / " + (18 * data.items.size()));
      assertThat(browser.evaluate("document.querySelector('#probes .no-data').textContent").asText())
          .isEqualTo("no probe results for sd yet");
      browser.screenshot(Path.of("target", "browser", "dashboard.png"));

      // probes and regressions arrive as the contract's events; only their panels are drawn again
      String probeSetting = "sd|Mid|0.2|NONE";
      browser.evaluate("window.accuracyPanel = document.querySelector('#accuracy svg'); alignstream.receive('probe', "
          + "{setting: '" + probeSetting + "', lambda: 0.001, mean_probe_accuracy: 0.61, mean_zero_shot_accuracy: 0.44,"
          + " folds: []}); alignstream.receive('regression', {setting: '" + probeSetting + "', mean_r2: 0.5,"
          + " predicted_oooa: 0.55, dimensions: [{index: 0, label: 'animal-related', r2: 0.7, alpha: 10},"
          + " {index: 1, label: null, r2: 0.3, alpha: 1}]}); true");
      browser.await("document.querySelectorAll('#probes circle.point').length === 2"
          + " && document.querySelectorAll('#r2 rect.cell').length === 2", Duration.ofSeconds(10));
      assertThat(browser.evaluate("[...document.querySelectorAll('#probes circle.point')].map(c => c.dataset.kind + '='"
          + " + c.dataset.accuracy)")).extracting(JsonNode::asText).containsExactlyInAnyOrder("probe=0.61",
              "zero-shot=0.44");
      assertThat(browser.evaluate("[...document.querySelectorAll('#r2 text.dimension')].map(t => t.textContent)"))
          .extracting(JsonNode::asText).containsExactly("animal-related", "dim 2");
      assertThat(browser.evaluate("document.querySelector('#accuracy svg') === window.accuracyPanel").asBoolean())
          .as("the accuracy panel is not redrawn for a probe").isTrue();

      // keyboard: the sort buttons and the model menu work without a mouse, and the URL follows
      browser.evaluate("document.querySelector('#compare button[data-sort=model]').focus(); true");
      key(browser, "Enter", 13);
      browser.await("document.querySelector('#compare button[data-sort=model]').parentElement"
          + ".getAttribute('aria-sort') === 'ascending'", Duration.ofSeconds(5));
      assertThat(browser.evaluate("[...document.querySelectorAll('#compare tbody tr')].map(r => r.dataset.model)"))
          .extracting(JsonNode::asText).containsExactly("pixels", "sd");
      browser.evaluate("document.getElementById('model').focus(); true");
      key(browser, "ArrowDown", 40);
      browser.await("location.search === '?model=pixels'", Duration.ofSeconds(5));
      browser.await("document.querySelectorAll('#accuracy circle.point').length === 1", Duration.ofSeconds(5));
      assertThat(browser.evaluate("document.querySelector('#accuracy circle.point').dataset.setting").asText())
          .isEqualTo("pixels|rgb16|0|NONE");

      // a phone: nothing wider than the screen
      browser.navigate(scorer.baseUri() + "?model=sd");
      browser.viewport(390, 844, true);
      browser.await("document.querySelectorAll('#accuracy circle.point').length === 18", Duration.ofSeconds(30));
      assertThat(browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth").asBoolean()).isTrue();
      browser.screenshot(Path.of("target", "browser", "dashboard-phone.png"));

      assertThat(browser.problems()).as("console errors and failed requests").isEmpty();
    }
  }

  private static Map<String, Long> totals(Map<String, BatchReference.Score> expected) {
    Map<String, Long> totals = new LinkedHashMap<>();
    expected.forEach((k, v) -> totals.put(k, v.total()));
    return totals;
  }

  /** A key press as the keyboard sends it: Enter carries its text (that is what activates a button). */
  private static void key(DevToolsBrowser browser, String key, int code) throws Exception {
    Map<String, Object> down = new LinkedHashMap<>(Map.of("type", "keyDown", "key", key, "code", key,
        "windowsVirtualKeyCode", code, "nativeVirtualKeyCode", code));
    if (key.equals("Enter")) {
      down.put("text", "\r");
    }
    browser.call("Input.dispatchKeyEvent", down);
    down.put("type", "keyUp");
    down.remove("text");
    browser.call("Input.dispatchKeyEvent", down);
  }

  private JsonNode get(ScorerService scorer, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(scorer.baseUri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET /%s", path).isEqualTo(200);
    return json.readTree(response.body());
  }
}
