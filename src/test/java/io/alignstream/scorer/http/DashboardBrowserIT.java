package io.alignstream.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.common.SettingKey;
import io.alignstream.common.TemporaryDirectory;
import io.alignstream.local.SharedTestBroker;
import io.alignstream.report.FigureChecks;
import io.alignstream.report.FigureStyle;
import io.alignstream.report.Figures;
import io.alignstream.report.Results;
import io.alignstream.report.browser.DevToolsBrowser;
import io.alignstream.report.browser.HeadlessChromium;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.Setting;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.BrokerFixture;
import io.alignstream.scorer.ScorerService;
import io.alignstream.scorer.SyntheticData;
import io.alignstream.scorer.analysis.ProbeConfig;
import io.alignstream.scorer.ceiling.CeilingConfig;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.jobs.AnalysisConfig;
import java.awt.image.BufferedImage;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The live dashboard in headless Chromium, served by a scorer on the real embedded broker that
 * probes (but regresses nothing: no targets): it starts empty and says so, fills from
 * Server-Sent Events with the report's figures of the same numbers the REST API serves, opens on
 * the model with the most settings, follows deep links and the keyboard, counts only final
 * probes as done, says why there is no regression, shows no text cut off on a laptop or a phone,
 * offers a static snapshot that Chromium's command line captures, and logs no error.
 * Screenshots go to target/browser/.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DashboardBrowserIT {

  private static final List<String> LAYERS = List.of("Down0", "Mid", "Up1");
  private static final double[] NOISE = {0.01, 0.2, 0.5};
  /** One lambda, a few epochs: probes of this small data in a second or two each. */
  private static final ProbeConfig PROBE = new ProbeConfig(new double[] {1e-3}, 3, 0, 1e-2, 64, 8, 2, 2, 1e-4, 1, 1e-3,
      1e-3);

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void theDashboardDrawsTheLiveFiguresFromTheScorer(@TempDir Path dir) throws Exception {
    assumeTrue(HeadlessChromium.find().isPresent(), "no chromium here: apt-get install -y chromium");
    SyntheticData data = SyntheticData.generate(41, 30, 400, new int[] {4});
    List<LayerEmbedding> embeddings = new ArrayList<>();
    Random random = new Random(7);
    List<Setting> settings = new ArrayList<>();
    // the pixel baseline first, so that a dashboard opening on the first model would show it
    settings.add(SyntheticData.setting("pixels", "rgb16", 0, Conditioning.NONE));
    for (Conditioning c : Conditioning.values()) {
      for (double s : NOISE) {
        LAYERS.forEach(l -> settings.add(SyntheticData.setting("sd", l, s, c)));
      }
    }
    Map<String, Map<String, float[]>> vectors = new LinkedHashMap<>();
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
        ScorerService scorer = ScorerService.start(kafka.cluster, config(dir, app)
            .withCeiling(CeilingConfig.defaults().withMinRepeatedTriplets(1))
            .withAnalysis(AnalysisConfig.defaults().withProbe(PROBE).withQuiet(Duration.ofMillis(500))));
        DevToolsBrowser browser = DevToolsBrowser.start()) {
      assertThat(scorer.awaitRunning(Duration.ofSeconds(60))).isTrue();
      browser.navigate(scorer.baseUri() + "?model=sd&layer=Mid");
      browser.await("document.getElementById('state').textContent === 'live'", Duration.ofSeconds(30));
      browser.await("document.querySelector('#accuracy .no-data') !== null", Duration.ofSeconds(30));
      assertThat(browser.evaluate("document.querySelector('#accuracy .no-data').textContent").asText())
          .isEqualTo("no scored triplets for sd yet");

      kafka.send(data.triplets);
      kafka.send(new ArrayList<>(embeddings));
      Map<String, AlignmentMetric> finals = kafka.awaitMetrics(latest -> expected.entrySet().stream().allMatch(e ->
          latest.containsKey(e.getKey()) && latest.get(e.getKey()).getTotal() == e.getValue().total()),
          Duration.ofSeconds(90));
      assertThat(finals.keySet()).containsAll(expected.keySet());
      String finalCondition = "(() => { const want = " + json.writeValueAsString(totals(expected)) + ";"
          + " const pts = [...document.querySelectorAll('#accuracy .point')];"
          + " return pts.length === 18 && pts.every(p => alignstream.data.metrics.get(p.dataset.setting).total"
          + " === want[p.dataset.setting]); })()";
      browser.await(finalCondition, Duration.ofSeconds(60));
      // the figures follow the results: wait for the drawing of every final count
      browser.await("[...document.querySelectorAll('#accuracy .point')].every(p =>"
          + " Number(p.dataset.accuracy) === alignstream.data.metrics.get(p.dataset.setting).accuracy)",
          Duration.ofSeconds(30));

      // every plotted point is the metric the REST API serves for its setting
      JsonNode served = get(scorer, "metrics?model=sd");
      JsonNode points = browser.evaluate("[...document.querySelectorAll('#accuracy .point')].map(c => ({"
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
      // the report drawn from the same REST data has the same points in the same colours, and each
      // layer has the colour of the one rule (FigureStyle)
      ObjectNode report = json.createObjectNode();
      report.set("settings", get(scorer, "metrics"));
      Figures.Figure javaFigure = Figures.all(Results.fromJson(report)).stream()
          .filter(f -> f.name().equals("accuracy-sd")).findFirst().orElseThrow();
      NodeList circles = DocumentBuilderFactory.newInstance().newDocumentBuilder()
          .parse(new InputSource(new StringReader(javaFigure.svg()))).getElementsByTagName("circle");
      JsonNode pagePoints = browser.evaluate("Object.fromEntries([...document.querySelectorAll('#accuracy .point')]"
          + ".map(c => [c.dataset.setting, {fill: c.getAttribute('fill'), accuracy: Number(c.dataset.accuracy)}]))");
      assertThat(circles.getLength()).isEqualTo(pagePoints.size()).isEqualTo(18);
      for (int i = 0; i < circles.getLength(); i++) {
        Element c = (Element) circles.item(i);
        JsonNode drawn = pagePoints.get(c.getAttribute("data-setting"));
        assertThat(drawn.get("fill").asText()).as("colour of %s", c.getAttribute("data-setting"))
            .isEqualTo(c.getAttribute("fill"))
            .isEqualTo(FigureStyle.PALETTE.get(FigureStyle.UNET_LAYERS.indexOf(c.getAttribute("data-layer"))));
        assertThat(drawn.get("accuracy").asDouble()).isEqualTo(Double.parseDouble(c.getAttribute("data-accuracy")));
      }

      // one panel per conditioning, chance and ceiling lines and legend values
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy g.panel')].map(s => s.dataset.conditioning)"))
          .extracting(JsonNode::asText).containsExactly("NONE", "TEXT");
      // The ceiling of every triplet, computed here; the page shows it once the scorer has them all.
      double ceiling = BatchReference.ceiling(data.triplets)[0];
      String shown = String.format(Locale.ROOT, "%.3f", ceiling);
      browser.await("document.getElementById('ceiling').textContent === '" + shown + "'", Duration.ofSeconds(30));
      double servedCeiling = get(scorer, "ceiling").get("value").asDouble();
      assertThat(servedCeiling).isCloseTo(ceiling, within(1e-12));
      browser.await("[...document.querySelectorAll('#accuracy .legend-entry')].some(e => e.textContent === "
          + json.writeValueAsString(String.format(Locale.ROOT, "noise ceiling %.3f", ceiling)) + ")",
          Duration.ofSeconds(10));
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy .legend-entry')].map(e => e.textContent)"))
          .extracting(JsonNode::asText).contains("Down0", "Mid", "Up1", "chance 0.333");
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy line.reference')]"
          + ".filter(l => l.dataset.kind === 'ceiling').map(l => Number(l.dataset.value))"))
          .extracting(JsonNode::asDouble).containsOnly(servedCeiling);
      // the deep link chose the model and the layer; the other layers fade
      assertThat(browser.evaluate("[document.getElementById('model').value, document.getElementById('layer').value]"))
          .extracting(JsonNode::asText).containsExactly("sd", "Mid");
      assertThat(browser.evaluate("[...document.querySelectorAll('#accuracy g.series.faded')]"
          + ".map(g => g.dataset.layer)")).extracting(JsonNode::asText).doesNotContain("Mid").hasSize(4);
      // progress: embeddings scored per model
      assertThat(browser.evaluate("document.querySelector('#progress tr[data-model=sd]').cells[2].textContent")
          .asText()).isEqualTo((18 * data.items.size()) + " / " + (18 * data.items.size()));

      // probes: the scorer's own, each drawn with its interval over the held-out triplets as /probes serves it
      browser.await("document.querySelector('#progress tr[data-model=sd]').cells[5].textContent === '18 / 18'"
          + " && document.querySelectorAll('#probes .point[data-kind=probe]').length === 18", Duration.ofSeconds(120));
      JsonNode probes = get(scorer, "probes");
      JsonNode drawnProbes = browser.evaluate("Object.fromEntries([...document.querySelectorAll("
          + "'#probes .point[data-kind=probe]')].map(c => [c.dataset.setting, {accuracy: Number(c.dataset.accuracy),"
          + " low: Number(c.dataset.ciLow), high: Number(c.dataset.ciHigh)}]))");
      for (JsonNode p : probes) {
        if (p.get("model").asText().equals("sd")) {
          JsonNode drawn = drawnProbes.get(p.get("setting").asText());
          assertThat(drawn.get("accuracy").asDouble()).isEqualTo(p.get("mean_probe_accuracy").asDouble());
          assertThat(drawn.get("low").asDouble()).isEqualTo(p.get("ci_low").asDouble());
          assertThat(drawn.get("high").asDouble()).isEqualTo(p.get("ci_high").asDouble());
          assertThat(p.get("held_out_triplets").asLong()).isPositive();
        }
      }
      assertThat(browser.evaluate("[...document.querySelectorAll('#probes .legend-entry')].map(e => e.textContent)"))
          .extracting(JsonNode::asText).contains("probed (held-out)", "zero-shot (held-out)");
      // a partial probe (computed before every triplet arrived) is not counted as done
      browser.evaluate("(() => { const p = Object.assign({}, alignstream.data.probes.get('sd|Mid|0.2|NONE'));"
          + " p.triplets -= 1; alignstream.receive('probe', p); return true; })()");
      browser.await("document.querySelector('#progress tr[data-model=sd]').cells[5].textContent"
          + " === '17 / 18 (1 partial)'", Duration.ofSeconds(10));
      // no targets: the regression figure says so, and progress does not count it as pending
      browser.await("document.querySelector('#r2 .no-data') !== null", Duration.ofSeconds(10));
      assertThat(browser.evaluate("document.querySelector('#r2 .no-data').textContent").asText())
          .isEqualTo("regression not requested: --targets");
      assertThat(browser.evaluate("document.querySelector('#progress tr[data-model=sd]').cells[6].textContent")
          .asText()).isEqualTo("not requested");
      // the comparison: the best zero-shot setting of each model as the CSV behind it says
      List<String> csv = List.of(getText(scorer, "models.csv").split("\r\n"));
      assertThat(csv.get(0)).startsWith("model,settings,setting,zero_shot_accuracy");
      JsonNode compared = browser.evaluate("[...document.querySelectorAll('#models .point[data-kind=zero-shot]')]"
          + ".map(p => p.dataset.model + ',' + p.dataset.setting + ',' + p.dataset.accuracy)");
      assertThat(compared).extracting(JsonNode::asText).containsExactlyElementsOf(csv.subList(1, csv.size()).stream()
          .map(line -> String.join(",", List.of(line.split(",")).subList(0, 4)).replaceFirst(",\\d+,", ","))
          .toList());

      // nothing cut off, on a laptop
      FigureChecks.assertNothingClipped(browser, "dashboard at 1280 px");
      browser.screenshot(Path.of("target", "browser", "dashboard.png"));

      // keyboard: the sort buttons and the model menu work without a mouse, and the URL follows
      browser.evaluate("document.querySelector('#compare button[data-sort=model]').focus(); true");
      key(browser, "Enter", 13);
      browser.await("document.querySelector('#compare button[data-sort=model]').parentElement"
          + ".getAttribute('aria-sort') === 'ascending'", Duration.ofSeconds(5));
      assertThat(browser.evaluate("[...document.querySelectorAll('#compare tbody tr')].map(r => r.dataset.model)"))
          .extracting(JsonNode::asText).containsExactly("pixels", "sd");
      browser.evaluate("document.getElementById('model').focus(); true");
      key(browser, "ArrowUp", 38);
      browser.await("location.search === '?model=pixels'", Duration.ofSeconds(5));
      browser.await("document.querySelectorAll('#accuracy .point').length === 1", Duration.ofSeconds(10));
      assertThat(browser.evaluate("document.querySelector('#accuracy .point').dataset.setting").asText())
          .isEqualTo("pixels|rgb16|0|NONE");
      // the pixel baseline has no noise axis: a point per layer, no "s = 0" anywhere in its figure
      assertThat(browser.evaluate("document.querySelector('#accuracy').textContent").asText())
          .doesNotContain(FigureStyle.NOISE_AXIS).contains("rgb16");

      // opened without a deep link, the dashboard shows the model with the most settings
      browser.navigate(scorer.baseUri().toString());
      browser.await("document.getElementById('model').value === 'sd'"
          + " && document.querySelectorAll('#accuracy .point').length === 18", Duration.ofSeconds(30));

      // a phone: nothing wider than the screen, no text cut off, none too small to read
      browser.viewport(390, 844, true);
      browser.await("window.innerWidth === 390", Duration.ofSeconds(5));
      assertThat(browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth").asBoolean()).isTrue();
      FigureChecks.assertNothingClipped(browser, "dashboard on a phone");
      assertThat(FigureChecks.smallestText(browser)).as("smallest figure text on a phone, px").isGreaterThanOrEqualTo(9);
      browser.screenshot(Path.of("target", "browser", "dashboard-phone.png"));
      assertThat(browser.problems()).as("console errors and failed requests").isEmpty();
    }
  }

  /**
   * The static snapshot, as a user captures it with Chromium's own command line (no DevTools): the
   * page finishes loading, so {@code --dump-dom} returns the drawn figures and {@code --screenshot}
   * writes a picture of them.
   */
  @Test
  void theStaticSnapshotIsCapturedByChromiumsCommandLine(@TempDir Path dir) throws Exception {
    assumeTrue(HeadlessChromium.find().isPresent(), "no chromium here: apt-get install -y chromium");
    // m0 at two noise levels (the most informative model), m1 at one, a pooled vision setting
    SyntheticData data = SyntheticData.generate(43, 20, 200, new int[] {4, 4, 4, 4});
    String app = "snapshot-" + UUID.randomUUID();
    try (BrokerFixture kafka = new BrokerFixture(SharedTestBroker.bootstrapServers(), SharedTestBroker.registryUrl(),
            app + ".");
        ScorerService scorer = ScorerService.start(kafka.cluster, config(dir, app)
            .withAnalysis(AnalysisConfig.defaults().withThreads(0)))) {
      assertThat(scorer.awaitRunning(Duration.ofSeconds(60))).isTrue();
      kafka.send(data.triplets);
      kafka.send(new ArrayList<>(data.embeddings()));
      kafka.awaitMetrics(latest -> data.settings.keySet().stream().allMatch(k -> latest.containsKey(k)
          && latest.get(k).getTotal() == data.triplets.size()), Duration.ofSeconds(90));
      HeadlessChromium chromium = HeadlessChromium.find().orElseThrow();
      String url = scorer.baseUri() + "snapshot";

      String dom = chromium(chromium, dir, "--dump-dom", url);
      String accuracy = dom.substring(dom.indexOf("id=\"accuracy\""), dom.indexOf("id=\"accuracy-caption\""));
      assertThat(accuracy.split("class=\"point\"", -1)).as("m0's two settings drawn").hasSize(3);
      assertThat(accuracy).contains("data-setting=\"m0|L0|0|NONE\"", "data-setting=\"m0|L2|0.2|NONE\"");
      assertThat(dom).contains("static snapshot of", "probes not computed: --analysis-threads 0");
      Path png = dir.resolve("snapshot.png");
      chromium(chromium, dir, "--screenshot=" + png, "--window-size=1280,1600", url);
      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image.getWidth() + "x" + image.getHeight()).isEqualTo("1280x1600");
      assertThat(distinctColours(image)).as("a drawn page, not a blank one").isGreaterThan(20);
    }
  }

  private static ScorerConfig config(Path dir, String app) {
    return ScorerConfig.defaults(dir).withStreams(s -> s.withApplicationId(app)).withHttp(h -> h.withPort(0))
        .withNewTopics(t -> t.withPartitions(2)).withWindows(w -> w.withEmitInterval(Duration.ofMillis(200)));
  }

  /** Runs Chromium's command line as a user would; its standard output, once it has exited by itself. */
  private static String chromium(HeadlessChromium chromium, Path dir, String... args) throws Exception {
    try (TemporaryDirectory profile = TemporaryDirectory.create("alignstream-snapshot")) {
      Path out = dir.resolve("chromium-" + UUID.randomUUID() + ".out");
      Process process = new ProcessBuilder(chromium.command(profile.path(), args)).redirectOutput(out.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      boolean exited = process.waitFor(90, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly();
      }
      assertThat(exited).as("chromium %s finished by itself", List.of(args)).isTrue();
      assertThat(process.exitValue()).isZero();
      return Files.readString(out, StandardCharsets.UTF_8);
    }
  }

  private static long distinctColours(BufferedImage image) {
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 4) {
      for (int x = 0; x < image.getWidth(); x += 4) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
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
    return json.readTree(getText(scorer, path));
  }

  private String getText(ScorerService scorer, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(scorer.baseUri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET /%s", path).isEqualTo(200);
    return response.body();
  }
}
