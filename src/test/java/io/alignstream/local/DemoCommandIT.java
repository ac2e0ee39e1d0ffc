package io.alignstream.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.Alignstream;
import io.alignstream.common.SettingKey;
import io.alignstream.common.WilsonInterval;
import io.alignstream.extractor.Feature;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.ImageInput;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.extractor.PixelBaseline;
import io.alignstream.producer.Dataset;
import io.alignstream.producer.DatasetItem;
import io.alignstream.producer.SyntheticDataset;
import io.alignstream.producer.SyntheticSpec;
import io.alignstream.producer.TripletPublisher;
import io.alignstream.reconstruct.ReconstructionManifest;
import io.alignstream.report.ReportCheck;
import io.alignstream.report.browser.HeadlessChromium;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.TripletJudgment;
import io.alignstream.scorer.BatchReference;
import io.alignstream.scorer.NpyTestReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code alignstream demo} end to end on the embedded broker and registry: every count in its
 * report must equal an independent batch computation over the same inputs.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DemoCommandIT {

  private static final Path SHARED = Path.of("..", "shared");
  private static final Path DATA = SHARED.resolve("data");

  @Test
  void syntheticDemoScoresEveryTripletUnderEveryPixelSetting(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("out.json");

    // One probe lambda (the seed paper's) keeps the probes of the pixel settings cheap.
    int exit = run("demo", "--models", "pixels", "--seed", "3", "--http-port", "0", "--report", report.toString(),
        "--report-dir", dir.resolve("folder").toString(), "--probe-lambdas", "0.1");

    assertThat(exit).isZero();
    Dataset dataset = SyntheticDataset.generate(SyntheticSpec.defaults().withSeed(3)).dataset();
    List<TripletJudgment> triplets = judgments(dataset);
    Map<String, Map<String, float[]>> layers = pixelFeatures(dataset);
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertThat(json.get("triplets").asLong()).isEqualTo(triplets.size());
    assertThat(json.get("settings")).hasSize(layers.size());
    for (JsonNode setting : json.get("settings")) {
      BatchReference.Score expected = BatchReference.score(layers.get(setting.get("layer").asText()), triplets, true);
      assertThat(setting.get("total").asLong()).as(setting.get("setting").asText()).isEqualTo(expected.total());
      assertThat(setting.get("correct").asLong()).as(setting.get("setting").asText()).isEqualTo(expected.correct());
      assertThat(setting.get("accuracy").asDouble())
          .isCloseTo((double) expected.correct() / expected.total(), within(1e-12));
    }
    // 40 repeated triplets: below the default support of 100, so no ceiling (and no normalized score).
    JsonNode ceiling = json.get("noise_ceiling");
    assertThat(ceiling.get("repeated_triplets").asLong()).isEqualTo(BatchReference.repeatedGroups(triplets)).isEqualTo(40);
    assertThat(ceiling.get("value").isNull()).isTrue();
    assertThat(ceiling.get("unavailable").asText()).contains("at least 100");
    json.get("settings").forEach(s -> assertThat(s.get("normalized").isNull()).isTrue());
    // A probe per setting over its final inputs: every triplet, every object.
    assertThat(json.get("probes")).hasSize(layers.size());
    for (JsonNode probe : json.get("probes")) {
      assertThat(probe.get("triplets").asLong()).isEqualTo(triplets.size());
      assertThat(probe.get("objects").asInt()).isEqualTo(dataset.items().size());
      double mean = 0;
      for (JsonNode fold : probe.get("folds")) {
        mean += fold.get("probe_accuracy").asDouble() / probe.get("folds").size();
      }
      assertThat(probe.get("mean_probe_accuracy").asDouble()).isCloseTo(mean, within(1e-12));
    }
    assertThat(json.get("regressions")).isEmpty();
    ReportCheck.assertMatches(dir.resolve("folder"), ReportCheck.json(dir.resolve("folder/report.json")));
  }

  @Test
  void modelsRequestedLaterAreScoredFromTheImagesAlreadyRequested(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("later.json");

    // Probes are the other tests' business: none here (--analysis-threads 0).
    int exit = run("demo", "--models", "pixels,tiny", "--models-later", "--noise-levels", "0.2", "--conditionings",
        "NONE", "--seed", "3", "--http-port", "0", "--report", report.toString(), "--analysis-threads", "0",
        "--report-dir", dir.resolve("folder").toString());

    assertThat(exit).isZero();
    Dataset dataset = SyntheticDataset.generate(SyntheticSpec.defaults().withSeed(3)).dataset();
    List<TripletJudgment> triplets = judgments(dataset);
    Map<String, Map<String, float[]>> layers = pixelFeatures(dataset);
    // tiny run directly on the decoded images, under the settings the demo requested them with.
    List<ImageInput> inputs = new ArrayList<>();
    for (DatasetItem item : dataset.items()) {
      inputs.add(new ImageInput(item.itemId(), item.concept(), ImageIO.read(new ByteArrayInputStream(item.imageBytes())),
          List.of(0.2), List.of(), List.of(Conditioning.NONE), 3, 64, LatentMode.SAMPLE));
    }
    try (FeatureModel tiny = FeatureModels.open("tiny", null, ModelOptions.defaults())) {
      for (Feature f : tiny.extract(inputs)) {
        layers.computeIfAbsent(f.layer(), k -> new HashMap<>()).put(inputs.get(f.imageIndex()).itemId(), f.vector());
      }
    }
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertThat(json.get("models")).extracting(JsonNode::asText).containsExactly("pixels", "tiny");
    assertThat(json.get("settings")).hasSize(layers.size()).hasSize(2 + 9);
    for (JsonNode setting : json.get("settings")) {
      BatchReference.Score expected = BatchReference.score(layers.get(setting.get("layer").asText()), triplets, true);
      assertThat(setting.get("total").asLong()).as(setting.get("setting").asText()).isEqualTo(triplets.size());
      assertThat(setting.get("correct").asLong()).as(setting.get("setting").asText()).isEqualTo(expected.correct());
    }
    assertFigure4OfTiny(dir.resolve("folder"), dataset);
  }

  /**
   * The report folder's Figure 4 of tiny (not of pixels, which has no VAE): the dataset's first two
   * images as the model saw them (64 px images pass unresampled), one row at s = 0.2, both
   * conditionings, in index.html and as figures/reconstruction-tiny.svg (and .png where Chromium is).
   */
  private static void assertFigure4OfTiny(Path folder, Dataset dataset) throws Exception {
    JsonNode json = new ObjectMapper().readTree(folder.resolve("report.json").toFile());
    assertThat(json.get("reconstructions")).extracting(JsonNode::asText).containsExactly("reconstruction/tiny");
    ReconstructionManifest manifest = ReconstructionManifest.read(folder.resolve("reconstruction/tiny"));
    assertThat(manifest.images()).hasSize(2);
    for (int i = 0; i < 2; i++) {
      ReconstructionManifest.Image image = manifest.images().get(i);
      DatasetItem item = dataset.items().get(i);
      assertThat(image.name()).isEqualTo(item.imageId());
      BufferedImage expected = ImageIO.read(new ByteArrayInputStream(item.imageBytes()));
      BufferedImage input = ImageIO.read(folder.resolve("reconstruction/tiny").resolve(image.input()).toFile());
      assertThat(input.getRGB(0, 0, 64, 64, null, 0, 64)).isEqualTo(expected.getRGB(0, 0, 64, 64, null, 0, 64));
      assertThat(image.rows()).singleElement().satisfies(row -> {
        assertThat(row.noiseLevels()).containsExactly(0.2);
        assertThat(row.timestep()).isEqualTo(191);
        assertThat(row.estimates()).extracting(ReconstructionManifest.Estimate::conditioning)
            .containsExactly("NONE", "TEXT");
      });
    }
    String html = Files.readString(folder.resolve("index.html"));
    assertThat(html).contains("<section id=\"reconstruction\">").contains("<figure id=\"reconstruction-tiny\">");
    assertThat(html.split("class=\"reconstruction\"", -1)).hasSize(1 + 2 * 4);
    assertThat(folder.resolve("figures/reconstruction-tiny.svg")).isRegularFile();
    if (HeadlessChromium.find().isPresent()) {
      assertThat(folder.resolve("figures/reconstruction-tiny.png")).isRegularFile();
    }
  }

  /**
   * Issue 15's comparison on the synthetic images: the pixel baseline and the two shared vision
   * fixtures (folders, resolving to their layers.onnx, each with its own preprocessing of the 64 x 64
   * images) end in a table and a {@code comparison} key with each model's best setting, whose counts
   * are checked against the models run directly and scored here.
   */
  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS) // three models' extraction and twelve probes; slow on a loaded machine
  void pixelsAndTheVisionFixturesEndInAComparisonOfEachModelsBestSetting(@TempDir Path dir) throws Exception {
    Path vision = SHARED.resolve("fixtures/vision");
    assumeTrue(Files.isRegularFile(vision.resolve("vit/layers.onnx")), "../shared/fixtures/vision is not here; skipping");
    Path report = dir.resolve("comparison.json");
    List<String> models = List.of("pixels", vision.resolve("vit").toString(), vision.resolve("resnet").toString());

    PrintStream terminal = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      exit = run("demo", "--models", String.join(",", models), "--seed", "3", "--http-port", "0", "--report",
          report.toString(), "--probe-lambdas", "0.1", "--probe-max-epochs", "3", "--probe-burn-in", "1");
    } finally {
      System.setOut(terminal);
    }

    assertThat(exit).isZero();
    Dataset dataset = SyntheticDataset.generate(SyntheticSpec.defaults().withSeed(3)).dataset();
    List<TripletJudgment> triplets = judgments(dataset);
    // setting key -> item -> vector, every model run directly on the decoded images
    Map<String, Map<String, float[]>> features = new HashMap<>();
    List<ImageInput> inputs = new ArrayList<>();
    for (DatasetItem item : dataset.items()) {
      inputs.add(new ImageInput(item.itemId(), item.concept(), ImageIO.read(new ByteArrayInputStream(item.imageBytes())),
          List.of(0.0), List.of(), List.of(Conditioning.NONE), 3, 64, LatentMode.SAMPLE));
    }
    for (String model : models) {
      try (FeatureModel direct = FeatureModels.open(model, null, ModelOptions.defaults())) {
        String id = direct.info().modelId();
        for (Feature f : direct.extract(inputs)) {
          String key = f.pooling() != null ? SettingKey.ofPooled(id, f.layer(), f.pooling())
              : SettingKey.of(id, f.layer(), 0, Conditioning.NONE);
          features.computeIfAbsent(key, k -> new HashMap<>()).put(inputs.get(f.imageIndex()).itemId(), f.vector());
        }
      }
    }
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertThat(json.get("settings")).hasSize(features.size()).hasSize(2 + 4 + 6);
    JsonNode comparison = json.get("comparison");
    assertThat(comparison.get("best_by").asText()).isEqualTo("zero_shot_accuracy");
    assertThat(comparison.get("models")).extracting(m -> m.get("model").asText())
        .containsExactly("pixels", "vit", "resnet");
    for (JsonNode row : comparison.get("models")) {
      String model = row.get("model").asText();
      Map<String, Long> correct = new HashMap<>();
      features.forEach((key, vectors) -> {
        if (key.startsWith(model + "|")) {
          correct.put(key, BatchReference.score(vectors, triplets, true).correct());
        }
      });
      long best = correct.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      assertThat(row.get("settings").asInt()).isEqualTo(correct.size());
      assertThat(correct.get(row.get("setting").asText())).as(model).isEqualTo(best);
      assertThat(row.get("zero_shot").get("correct").asLong()).isEqualTo(best);
      assertThat(row.get("zero_shot").get("total").asLong()).isEqualTo(triplets.size());
      WilsonInterval interval = WilsonInterval.of(best, triplets.size());
      assertThat(row.get("zero_shot").get("ci_low").asDouble()).isCloseTo(interval.low(), within(1e-12));
      assertThat(row.get("zero_shot").get("ci_high").asDouble()).isCloseTo(interval.high(), within(1e-12));
      // The probe of that setting, its folds' held-out triplets pooled.
      JsonNode probe = null;
      for (JsonNode p : json.get("probes")) {
        if (p.get("setting").asText().equals(row.get("setting").asText())) {
          probe = p;
        }
      }
      assertThat(probe).as(model).isNotNull();
      long heldOut = 0;
      long right = 0;
      for (JsonNode fold : probe.get("folds")) {
        heldOut += fold.get("test_triplets").asLong();
        right += Math.round(fold.get("probe_accuracy").asDouble() * fold.get("test_triplets").asLong());
      }
      assertThat(row.get("probed").get("total").asLong()).isEqualTo(heldOut).isPositive();
      assertThat(row.get("probed").get("correct").asLong()).isEqualTo(right);
      assertThat(row.get("probed").get("ci_low").asDouble())
          .isCloseTo(WilsonInterval.of(right, heldOut).low(), within(1e-12));
      assertThat(row.get("probe_final").asBoolean()).isTrue();
    }
    // The terminal ends with the comparison, one line per model, before the closing line.
    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("model comparison:")).findFirst().orElseThrow());
    assertThat(lines.subList(header + 2, header + 5)).extracting(l -> l.split(" +")[0])
        .containsExactly("pixels", "vit", "resnet");
    assertThat(lines.get(lines.size() - 1)).startsWith("all " + triplets.size() + " triplets scored under 12 settings");
  }

  /**
   * The VICE embedding as .npy and as the chunked, gzip-compressed float64 HDF5 copy under a nested
   * dataset path (the plain HDF5 copy is checked value for value in FeatureFilesTest, which is
   * enough to know it scores the same).
   */
  @ParameterizedTest(name = "{0}")
  @Timeout(value = 900, unit = TimeUnit.SECONDS) // 146,168 triplets, a probe and a regression; slow on a loaded machine
  @CsvSource({"data/embeddings/vice_things_final_embedding_1854x42.npy, ",
      "fixtures/features-vice-gzip.hdf5, model/layer/features"})
  void featuresDemoScoresProbesAndRegressesTheViceEmbeddingOnTheThingsTestTriplets(String file, String datasetPath, @TempDir Path dir)
      throws Exception {
    Path concepts = DATA.resolve("things/things_concepts.tsv");
    Path vice = DATA.resolve("embeddings/vice_things_final_embedding_1854x42.npy");
    Path embeddings = SHARED.resolve(file);
    Path tripletFile = DATA.resolve("triplets/things_behavior_triplets_test10.txt");
    Path ids = DATA.resolve("things/unique_id.txt");
    assumeTrue(Files.isRegularFile(vice) && Files.isRegularFile(tripletFile) && Files.isRegularFile(embeddings),
        "../shared (THINGS triplets, the VICE embedding and its HDF5 copies) is not here; skipping the real-data demo");
    Path report = dir.resolve("vice.json");

    // VICE as features (from the .npy or an HDF5 copy) and as targets; one lambda and a few epochs keep the
    // probe cheap in CI (the full recipe's figures are in docs/benchmarks.md).
    List<String> args = new ArrayList<>(List.of("demo", "--concepts", concepts.toString(), "--triplets",
        tripletFile.toString(), "--embeddings", embeddings.toString(), "--model-id", "vice", "--http-port", "0",
        "--report", report.toString(), "--report-dir", dir.resolve("folder").toString(),
        "--targets", vice.toString(), "--probe-lambdas", "0.001", "--probe-max-epochs", "3", "--probe-burn-in", "1"));
    if (datasetPath != null) {
      args.addAll(List.of("--dataset-path", datasetPath));
    }
    int exit = run(args.toArray(String[]::new));

    assertThat(exit).isZero();
    // Independent reading: the scorer tests' own .npy reader, the triplet file line by line.
    List<String> conceptIds = Files.readAllLines(ids).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    float[][] rows = NpyTestReader.readMatrix(vice);
    Map<String, float[]> vectors = new HashMap<>();
    for (int i = 0; i < conceptIds.size(); i++) {
      vectors.put(conceptIds.get(i), rows[i]);
    }
    List<TripletJudgment> triplets = new ArrayList<>();
    for (String line : Files.readAllLines(tripletFile)) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 3) {
        triplets.add(TripletJudgment.newBuilder().setTripletId("t" + triplets.size()).setDataset("things")
            .setItems(List.of(conceptIds.get(Integer.parseInt(f[0])), conceptIds.get(Integer.parseInt(f[1])),
                conceptIds.get(Integer.parseInt(f[2]))))
            .setOddOneOut(2).build());
      }
    }
    BatchReference.Score expected = BatchReference.score(vectors, triplets, true);
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    JsonNode setting = json.get("settings").get(0);
    assertThat(setting.get("setting").asText()).isEqualTo("vice|embedding|0|NONE");
    assertThat(setting.get("total").asLong()).isEqualTo(expected.total()).isEqualTo(146_168);
    assertThat(setting.get("correct").asLong()).isEqualTo(expected.correct()).isEqualTo(94_185);
    assertThat(setting.get("accuracy").asDouble()).isCloseTo(0.644, within(0.001));
    ReportCheck.assertMatches(dir.resolve("folder"), ReportCheck.json(dir.resolve("folder/report.json")));

    JsonNode probe = json.get("probes").get(0);
    assertThat(probe.get("setting").asText()).isEqualTo("vice|embedding|0|NONE");
    assertThat(probe.get("lambda").asDouble()).isEqualTo(0.001);
    assertThat(probe.get("triplets").asLong()).isEqualTo(146_168);
    assertThat(probe.get("objects").asInt()).isEqualTo(1854);
    assertThat(probe.get("folds")).hasSize(3);
    long heldOut = 0;
    for (JsonNode fold : probe.get("folds")) {
      heldOut += fold.get("test_triplets").asLong();
      assertThat(fold.get("epochs").asInt()).isBetween(1, 3);
    }
    assertThat(heldOut).isBetween(146_168L / 27 * 2, 146_168L / 27 * 4); // ~ 1/27 of the triplets per fold
    // Held-out accuracy of the raw VICE embedding on test-fold triplets: near its 0.644 overall.
    assertThat(probe.get("mean_zero_shot_accuracy").asDouble()).isCloseTo(0.644, within(0.02));

    JsonNode regression = json.get("regressions").get(0);
    assertThat(regression.get("dimensions")).hasSize(42);
    regression.get("dimensions").forEach(d -> assertThat(d.get("r2").asDouble()).as("R^2 of dimension %s",
        d.get("index")).isGreaterThan(0.99));
    assertThat(regression.get("objects").asInt()).isEqualTo(1854);
    assertThat(regression.get("predicted_oooa").asDouble()).isCloseTo(0.644, within(0.02));
    // The test split's few repeats give no ceiling.
    assertThat(json.get("noise_ceiling").get("value").isNull()).isTrue();
  }

  private static int run(String... args) {
    return Alignstream.commandLine(args).execute(args);
  }

  private static List<TripletJudgment> judgments(Dataset dataset) {
    return dataset.triplets().stream().map(t -> TripletPublisher.judgment(dataset.name(), t)).toList();
  }

  /** layer -> item -> vector, from the pixel baseline run directly on the decoded images. */
  private static Map<String, Map<String, float[]>> pixelFeatures(Dataset dataset) throws Exception {
    List<ImageInput> inputs = new ArrayList<>();
    for (DatasetItem item : dataset.items()) {
      inputs.add(new ImageInput(item.itemId(), item.concept(),
          ImageIO.read(new ByteArrayInputStream(item.imageBytes())), List.of(0.0), List.of(),
          List.of(Conditioning.NONE), 0, 64, LatentMode.SAMPLE));
    }
    Map<String, Map<String, float[]>> layers = new HashMap<>();
    try (PixelBaseline pixels = new PixelBaseline("pixels", 16)) {
      for (Feature f : pixels.extract(inputs)) {
        layers.computeIfAbsent(f.layer(), k -> new HashMap<>()).put(inputs.get(f.imageIndex()).itemId(), f.vector());
      }
    }
    return layers;
  }
}
