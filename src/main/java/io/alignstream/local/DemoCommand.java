package io.alignstream.local;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ModelRequests;
import io.alignstream.common.TemporaryDirectory;
import io.alignstream.extractor.ExtractorOptions;
import io.alignstream.extractor.ExtractorService;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.FleetOptions;
import io.alignstream.extractor.FleetService;
import io.alignstream.extractor.ModelInfo;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.producer.ConceptList;
import io.alignstream.producer.Dataset;
import io.alignstream.producer.DatasetItem;
import io.alignstream.producer.EmbeddingPublisher;
import io.alignstream.producer.ExtractionSettings;
import io.alignstream.producer.ModelRequestPublisher;
import io.alignstream.producer.PrecomputedFeatures;
import io.alignstream.producer.RequestPublisher;
import io.alignstream.producer.SyntheticDataset;
import io.alignstream.producer.SyntheticSpec;
import io.alignstream.producer.ThingsDataset;
import io.alignstream.producer.TripletFileReader;
import io.alignstream.producer.TripletFormat;
import io.alignstream.producer.TripletPublisher;
import io.alignstream.producer.TripletResponse;
import io.alignstream.report.ReportFolder;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.schema.Setting;
import io.alignstream.scorer.jobs.AnalysisConfig;
import io.alignstream.scorer.AnalysisOptions;
import io.alignstream.scorer.ceiling.CeilingView;
import io.alignstream.scorer.config.ScorerConfig;
import io.alignstream.scorer.http.AnalysesView;
import io.alignstream.scorer.ScorerService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code alignstream demo}: the whole pipeline in one process on an embedded broker and
 * registry. Produces a dataset, runs an extractor per model and the scorer, shows live
 * progress and accuracy, and once every triplet is scored under every setting writes the JSON
 * report and ends with the final table and the model comparison ({@link ModelComparison}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Runs producer, extractors and scorer on an embedded Kafka broker and schema registry "
            + "(127.0.0.1 only) until every triplet is scored under every setting.",
        "Datasets: the synthetic shapes (default); THINGS images + triplets (--dataset things); "
            + "or features computed elsewhere (--embeddings, no images, no extraction)."})
public final class DemoCommand implements Callable<Integer> {

  @Option(names = "--dataset", defaultValue = "synthetic", paramLabel = "synthetic|things",
      description = "Image dataset (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--things-dir", paramLabel = "DIR",
      description = "THINGS images: <uniqueID>.png|jpg files or <uniqueID>/ folders (e.g. ../shared/data/emoji/google64).")
  Path thingsDir;

  @Option(names = "--concepts", paramLabel = "FILE", defaultValue = "../shared/data/things/things_concepts.tsv",
      description = "THINGS concept list (default: ${DEFAULT-VALUE}).")
  Path concepts;

  @Option(names = "--triplets", paramLabel = "FILE",
      description = "Triplet file ('i j k', last = odd one out; or 'i j k choice subject'); "
          + "with images, only triplets whose three concepts have an image are used.")
  Path triplets;

  @Option(names = "--embeddings", paramLabel = "FILE",
      description = "Features computed elsewhere (.npy, .h5/.hdf5, .txt, .tsv; one row per concept): scored directly.")
  Path embeddings;

  @Option(names = "--dataset-path", paramLabel = "PATH",
      description = "HDF5 --embeddings: the dataset to read (default: features, as thingsvision writes it).")
  String datasetPath;

  @Option(names = "--model-id", defaultValue = "features", paramLabel = "ID",
      description = "Model id of --embeddings (default: ${DEFAULT-VALUE}).")
  String embeddingsModelId;

  @Option(names = "--layer", defaultValue = "embedding", paramLabel = "NAME",
      description = "Layer name of --embeddings (default: ${DEFAULT-VALUE}).")
  String embeddingsLayer;

  @Option(names = "--models", split = ",", defaultValue = "pixels,tiny,tiny-sd3", paramLabel = "MODEL",
      description = "Models to extract with: pixels, tiny (SD-2-like U-Net), tiny-sd3 (SD3 MMDiT), diffusers folders, "
          + "hub ids, or TorchScript / ONNX vision models (a file or a folder holding one, e.g. "
          + "../shared/fixtures/vision/vit) (default: ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(names = "--noise-levels", split = ",", defaultValue = "0.01,0.2,0.5", paramLabel = "S",
      description = "Noise levels in [0, 1] (default: ${DEFAULT-VALUE}).")
  List<Double> noiseLevels;

  @Option(names = "--conditionings", split = ",", defaultValue = "NONE,TEXT", paramLabel = "C",
      description = "NONE and/or TEXT (default: ${DEFAULT-VALUE}).")
  List<Conditioning> conditionings;

  @Option(names = "--resolution", paramLabel = "PIXELS", defaultValue = "64",
      description = "Image side the diffusion models see (default: ${DEFAULT-VALUE}; the paper used 512).")
  int resolution;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of data and noise (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--extractors-per-model", paramLabel = "N", defaultValue = "1",
      description = "Extractor instances per model, sharing its consumer group (default: ${DEFAULT-VALUE}); with "
          + "--models-later, fleet instances sharing each model.")
  int extractorsPerModel;

  @Option(names = "--models-later",
      description = "Stream the models in after the images: fleet instances (extract --fleet) start with no model, "
          + "each of --models is requested (produce model) only after the previous one is scored, and its results "
          + "come from the images already on the requests topic; none is re-sent.")
  boolean modelsLater;

  @Option(names = "--unet-batch", paramLabel = "N", defaultValue = "8", description = "UNet batch size (default: ${DEFAULT-VALUE}).")
  int unetBatch;

  @Option(names = "--report", paramLabel = "FILE", description = "Write the final metrics as JSON.")
  Path report;

  @Option(names = "--report-dir", paramLabel = "DIR",
      description = "Write a report folder: figures (SVG, PNG), CSV files and index.html, from DIR/report.json; "
          + "with the paper's Figure 4 for each diffusion model (DIR/reconstruction/MODEL, two images).")
  Path reportDir;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Keep broker data and schemas here (default: a temporary directory).")
  Path dataDir;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080",
      description = "Scorer dashboard and REST port, 0 for any (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT30M",
      description = "Give up (exit 1) after this long, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--keep-running", description = "Keep the cluster and dashboard up after the final table, until Ctrl-C.")
  boolean keepRunning;

  /** When the run gives up (System.nanoTime). */
  private long deadline;

  @Mixin
  AnalysisOptions analysis;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    validate();
    long started = System.nanoTime();
    deadline = started + timeout.toNanos();
    Path logFile = DemoLogging.fileForThisRun(dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir")));
    Files.createDirectories(logFile.getParent());
    System.out.printf("logs: %s%n", logFile);
    DemoInputs inputs = loadInputs();
    if (modelsLater && (inputs.images() == null || models.size() < 2)) {
      throw new IllegalArgumentException("--models-later streams two or more --models over images; it does not apply "
          + "to --embeddings or a single model");
    }
    ScorerConfig scorerConfig = scorerConfig(inputs);
    try (DemoLogging logging = DemoLogging.toFile(logFile);
        LocalCluster cluster = LocalCluster.start(LocalCluster.Settings.defaults().withDataDir(dataDir))) {
      ClusterConfig config = cluster.clusterConfig();
      System.out.printf("embedded cluster: bootstrap %s, schema registry %s%n", cluster.bootstrapServers(),
          cluster.registryUrl());
      try (TemporaryDirectory stateDir = TemporaryDirectory.create("alignstream-demo-scorer");
          ScorerService scorer = ScorerService.start(config,
              scorerConfig.withStreams(s -> s.withStateDir(stateDir.path())));
          DemoExtractors extractors = startExtractors(config, inputs);
          MetricsFollower metrics = new MetricsFollower(config)) {
        System.out.printf("dashboard: %s%n", scorer.baseUri());
        publish(config, inputs);
        Set<String> expected = new LinkedHashSet<>();
        boolean complete;
        if (modelsLater) {
          complete = requestModelsOneAfterAnother(config, inputs, extractors, metrics, scorer, scorerConfig.analysis(),
              expected);
        } else {
          expected.addAll(expectedSettings(inputs, extractors.models()));
          complete = followUntilScored(inputs, extractors, metrics, scorer, scorerConfig.analysis(), expected);
        }
        MetricsFollower.Snapshot results = metrics.snapshot();
        CeilingView ceiling = scorer.ceiling().orElse(null);
        printCeiling(ceiling);
        scorer.analysisFailures().forEach((slot, why) -> System.out.printf("%s failed: %s%n", slot, why));
        AnalysesView analyses = AnalysesView.of(scorerConfig.analysis(), scorer.analysisFailures());
        Comparator<Setting> order = SettingOrder.of(extractors.models());
        ModelComparison comparison = ModelComparison.of(results, order);
        if (report != null) {
          DemoReport.write(report, runSummary(inputs, extractors.models(), started, analyses), results, ceiling, order,
              comparison);
          System.out.printf("report: %s%n", report.toAbsolutePath());
        }
        if (reportDir != null) {
          Files.createDirectories(reportDir);
          Map<String, Object> run = runSummary(inputs, extractors.models(), started, analyses);
          if (inputs.images() != null) {
            run.put(ReportFolder.RECONSTRUCTIONS, DemoReconstructions.write(reportDir, models, inputs.images(),
                noiseLevels, seed, resolution, ModelOptions.defaults().withUnetBatch(unetBatch)));
          }
          DemoReport.write(reportDir.resolve("report.json"), run, results, ceiling, order, comparison);
          System.out.println(ReportFolder.fromJsonFile(reportDir.resolve("report.json"), reportDir, true).summary());
        }
        System.out.print(comparison.table());
        if (!complete) {
          System.err.printf("timed out after %s: %d of %d settings complete%n", timeout,
              completeSettings(results, expected, inputs.expectedTriplets(), scorer, scorerConfig.analysis()),
              expected.size());
          return 1;
        }
        System.out.printf("all %d triplets scored under %d settings in %.1f s%n", inputs.expectedTriplets(),
            expected.size(), (System.nanoTime() - started) / 1e9);
        if (keepRunning) {
          System.out.println("keeping the cluster and dashboard up; Ctrl-C to stop");
          Thread.currentThread().join();
        }
        return 0;
      }
    }
  }

  /**
   * Every option checked before anything starts: values in range, models that can be named, and
   * no option whose file or value this run would silently ignore (each error names the option
   * that would make it count).
   */
  private void validate() {
    for (double s : noiseLevels) {
      if (!(s >= 0 && s <= 1)) {
        throw new ParameterException(spec.commandLine(), "--noise-levels: " + s + " is outside [0, 1]");
      }
    }
    if (!dataset.equals("synthetic") && !dataset.equals("things")) {
      throw new ParameterException(spec.commandLine(), "--dataset must be synthetic or things, not '" + dataset + "'");
    }
    boolean features = embeddings != null;
    if (features) {
      ignoredUnless(!given("--models") && !given("--models-later") && !given("--things-dir") && !given("--dataset"),
          "--models, --models-later, --dataset and --things-dir do not apply to --embeddings (features are scored"
              + " as they are); drop them, or drop --embeddings to extract features from images");
    } else {
      models.forEach(model -> {
        try {
          FeatureModels.requireNameable(model, "--models");
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
      });
      ignoredUnless(!given("--dataset-path") && !given("--model-id") && !given("--layer"),
          "--dataset-path, --model-id and --layer describe --embeddings FILE; without it they would be ignored");
      if (dataset.equals("synthetic")) {
        ignoredUnless(!given("--triplets") && !given("--things-dir") && !given("--concepts"),
            "--triplets, --things-dir and --concepts are not used with the synthetic dataset (it brings its own"
                + " concepts and triplets): add --dataset things --things-dir DIR to judge THINGS images by them, or"
                + " --embeddings FILE to score features");
      }
    }
  }

  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  private void ignoredUnless(boolean nothingIgnored, String message) {
    if (!nothingIgnored) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  /**
   * What the demo streams: images (or precomputed features) and the triplets they are judged on;
   * {@code items} is the row order of --targets (the concept list, or the synthetic concepts).
   */
  private record DemoInputs(String name, Dataset images, PrecomputedFeatures features, List<TripletResponse> triplets,
      ConceptList items) {
    long expectedTriplets() {
      return triplets.size();
    }
  }

  private DemoInputs loadInputs() {
    if (embeddings != null) {
      if (triplets == null) {
        throw new IllegalArgumentException("--embeddings needs --triplets (and --concepts for the row order)");
      }
      ConceptList conceptList = ConceptList.read(concepts);
      PrecomputedFeatures features = PrecomputedFeatures.read(embeddingsModelId, embeddingsLayer, embeddings,
          datasetPath, conceptList);
      List<TripletResponse> responses = new TripletFileReader(conceptList, TripletFormat.AUTO, "things")
          .readAll(triplets);
      return new DemoInputs("features:" + embeddings.getFileName(), null, features, responses, conceptList);
    }
    if (dataset.equals("things")) {
      if (thingsDir == null || triplets == null) {
        throw new IllegalArgumentException("--dataset things needs --things-dir DIR and --triplets FILE");
      }
      Dataset things = ThingsDataset.load(concepts, thingsDir, triplets).dataset("things");
      return new DemoInputs("things", things, null, things.triplets(), ConceptList.read(concepts));
    }
    Dataset synthetic = SyntheticDataset.generate(SyntheticSpec.defaults().withSeed(seed)).dataset();
    return new DemoInputs("synthetic", synthetic, null, synthetic.triplets(),
        ConceptList.of(synthetic.items().stream().map(DatasetItem::itemId).toList()));
  }

  /**
   * The scorer's configuration: the analysis and ceiling options, with the rows of --targets and
   * the indices of --ceiling-triplets in the inputs' item order.
   */
  private ScorerConfig scorerConfig(DemoInputs inputs) {
    return ScorerConfig.defaults(null).withHttp(h -> h.withPort(httpPort))
        .withCeiling(analysis.ceiling(inputs.items()))
        .withAnalysis(analysis.analysis(inputs.items()));
  }

  private static void printCeiling(CeilingView ceiling) {
    if (ceiling == null) {
      return;
    }
    if (ceiling.value() == null) {
      System.out.printf("noise ceiling: unavailable (%s; source: %s)%n", ceiling.unavailable(), ceiling.source());
    } else if (ceiling.ciLow() == null) {
      System.out.printf(Locale.ROOT, "noise ceiling: %.4f (%s)%n", ceiling.value(), ceiling.source());
    } else {
      System.out.printf(Locale.ROOT, "noise ceiling: %.4f, 95%% interval [%.4f, %.4f], %d repeated triplets, "
          + "%d responses (%s)%n", ceiling.value(), ceiling.ciLow(), ceiling.ciHigh(), ceiling.repeatedTriplets(),
          ceiling.responses(), ceiling.source());
    }
  }

  private DemoExtractors startExtractors(ClusterConfig config, DemoInputs inputs) {
    if (inputs.images() == null) {
      return DemoExtractors.none();
    }
    if (modelsLater) {
      List<FleetService> fleet = new ArrayList<>();
      for (int instance = 0; instance < extractorsPerModel; instance++) {
        FleetService service = new FleetService(config, new FleetOptions(ExtractorOptions.defaults("demo-fleet-"
            + instance), ModelOptions.defaults().withUnetBatch(unetBatch), Duration.ofMillis(500)));
        service.start();
        fleet.add(service);
      }
      return new DemoExtractors(List.of(), List.of(), fleet);
    }
    List<FeatureModel> opened = new ArrayList<>();
    List<ExtractorService> services = new ArrayList<>();
    try {
      for (String model : models) {
        for (int instance = 0; instance < extractorsPerModel; instance++) {
          FeatureModel featureModel = FeatureModels.open(model, null, ModelOptions.defaults().withUnetBatch(unetBatch));
          opened.add(featureModel);
          // Named by the model's id: a vision model's --models entry is a path.
          ExtractorService service = new ExtractorService(config, featureModel,
              ExtractorOptions.defaults("demo-" + featureModel.info().modelId() + "-" + instance));
          service.start();
          services.add(service);
        }
      }
    } catch (RuntimeException e) {
      // A later model failed to open: stop the extractors already running before reporting it.
      new DemoExtractors(opened, services, List.of()).close();
      throw e;
    }
    return new DemoExtractors(opened, services, List.of());
  }

  private void publish(ClusterConfig config, DemoInputs inputs) {
    if (inputs.images() != null) {
      ExtractionSettings settings = new ExtractionSettings(noiseLevels, List.of(), conditionings, seed, resolution,
          LatentMode.SAMPLE);
      try (RequestPublisher requests = new RequestPublisher(config)) {
        System.out.println("published " + requests.publish(inputs.images(), settings));
      }
    } else {
      try (EmbeddingPublisher embeddingPublisher = new EmbeddingPublisher(config)) {
        System.out.println("published " + embeddingPublisher.publish(inputs.features()));
      }
    }
    try (TripletPublisher tripletPublisher = new TripletPublisher(config)) {
      System.out.println("published " + tripletPublisher.publish(inputs.name(), inputs.triplets()));
    }
  }

  /**
   * {@code --models-later}: requests each model once the previous one is scored, and follows it
   * until its settings are scored too, adding them to {@code expected}.
   */
  private boolean requestModelsOneAfterAnother(ClusterConfig config, DemoInputs inputs, DemoExtractors extractors,
      MetricsFollower metrics, ScorerService scorer, AnalysisConfig analysisConfig, Set<String> expected)
      throws InterruptedException {
    try (ModelRequestPublisher publisher = new ModelRequestPublisher(config)) {
      for (String model : models) {
        String evaluation = publisher.publish(ModelRequests.create(model, null, "default", "default", List.of(),
            List.of(), "float32", "demo", Instant.now()));
        System.out.printf("requested model %s (%s) on %s: the fleet evaluates the %d images already requested, "
            + "none re-sent%n", model, evaluation, publisher.topic(), inputs.images().items().size());
        Optional<ModelInfo> info = awaitLoaded(extractors, model, evaluation);
        if (info.isEmpty()) {
          return false;
        }
        expected.addAll(expectedSettings(inputs, List.of(info.get())));
        if (!followUntilScored(inputs, extractors, metrics, scorer, analysisConfig, expected)) {
          return false;
        }
      }
    }
    return true;
  }

  /** The model a fleet instance loaded for the request; empty at the deadline. */
  private Optional<ModelInfo> awaitLoaded(DemoExtractors extractors, String model, String evaluation)
      throws InterruptedException {
    while (System.nanoTime() < deadline) {
      Optional<ModelInfo> info = extractors.requestedModel(evaluation);
      if (info.isPresent()) {
        return info;
      }
      Optional<String> rejected = extractors.rejection(evaluation);
      if (rejected.isPresent()) {
        throw new IllegalArgumentException("model " + model + " was not evaluated: " + rejected.get());
      }
      Optional<String> failure = extractors.failure();
      if (failure.isPresent()) {
        throw new IllegalStateException(failure.get());
      }
      Thread.sleep(250);
    }
    return Optional.empty();
  }

  /** Every setting the run must produce: each model's layers x noise levels x conditionings it uses, or x poolings. */
  private Set<String> expectedSettings(DemoInputs inputs, List<ModelInfo> infos) {
    Set<String> expected = new LinkedHashSet<>();
    if (inputs.features() != null) {
      expected.add(inputs.features().settingKey());
    }
    for (ModelInfo info : infos) {
      expected.addAll(info.settingKeys(noiseLevels, conditionings));
    }
    return expected;
  }

  private boolean followUntilScored(DemoInputs inputs, DemoExtractors extractors, MetricsFollower metrics,
      ScorerService scorer, AnalysisConfig analysisConfig, Set<String> expected) throws InterruptedException {
    ProgressView view = new ProgressView(System.out, System.console() != null,
        SettingOrder.of(extractors.models()));
    long perSetting = inputs.expectedTriplets();
    while (true) {
      MetricsFollower.Snapshot snapshot = metrics.snapshot();
      List<ProgressView.Bar> bars = extractors.progressBars(inputs.images() == null ? 0 : inputs.images().items().size());
      long scored = snapshot.metrics().entrySet().stream().filter(e -> expected.contains(e.getKey()))
          .mapToLong(e -> e.getValue().getTotal()).sum();
      bars.add(new ProgressView.Bar("triplets scored", scored, perSetting * expected.size()));
      if (analysisConfig.enabled()) {
        // Final results only: a partial probe over the triplets scored so far does not count.
        bars.add(new ProgressView.Bar("settings probed",
            expected.stream().filter(key -> hasFinalProbe(snapshot, key, perSetting)).count(), expected.size()));
        if (analysisConfig.targets() != null) {
          bars.add(new ProgressView.Bar("settings regressed",
              expected.stream().filter(key -> hasFinalRegression(snapshot, key, perSetting)).count(), expected.size()));
        }
      }
      boolean complete = completeSettings(snapshot, expected, perSetting, scorer, analysisConfig) == expected.size();
      Optional<String> failure = extractors.failure();
      if (failure.isPresent()) {
        view.finish(bars, snapshot, perSetting);
        throw new IllegalStateException(failure.get());
      }
      if (complete || System.nanoTime() > deadline) {
        view.finish(bars, snapshot, perSetting);
        return complete;
      }
      view.update(bars, snapshot, perSetting);
      Thread.sleep(250);
    }
  }

  /**
   * Settings with every triplet scored and, when analyses run, a probe (and with --targets a
   * regression) over those final inputs, or a failed job that says why there is none.
   */
  private static long completeSettings(MetricsFollower.Snapshot results, Set<String> expected, long perSetting,
      ScorerService scorer, AnalysisConfig analysisConfig) {
    // A failure only stands for a missing result once no newer job is waiting to replace it.
    Map<String, String> failures = scorer.analysesPending() == 0 ? scorer.analysisFailures() : Map.of();
    return expected.stream().filter(key -> {
      AlignmentMetric metric = results.metrics().get(key);
      if (metric == null || metric.getTotal() != perSetting) {
        return false;
      }
      if (!analysisConfig.enabled()) {
        return true;
      }
      boolean probed = hasFinalProbe(results, key, perSetting) || failures.containsKey("probe|" + key);
      boolean regressed = analysisConfig.targets() == null || hasFinalRegression(results, key, perSetting)
          || failures.containsKey("regression|" + key);
      return probed && regressed;
    }).count();
  }

  /** Whether the setting has every triplet scored and a probe over exactly those inputs. */
  static boolean hasFinalProbe(MetricsFollower.Snapshot results, String key, long perSetting) {
    AlignmentMetric metric = results.metrics().get(key);
    ProbeResult probe = results.probes().get(key);
    return metric != null && metric.getTotal() == perSetting && probe != null && DemoResults.isFinal(probe, metric);
  }

  /** Whether the setting has every triplet scored and a regression over exactly those inputs. */
  private static boolean hasFinalRegression(MetricsFollower.Snapshot results, String key, long perSetting) {
    AlignmentMetric metric = results.metrics().get(key);
    RegressionResult regression = results.regressions().get(key);
    return metric != null && metric.getTotal() == perSetting && regression != null
        && DemoResults.isFinal(regression, metric);
  }

  private Map<String, Object> runSummary(DemoInputs inputs, List<ModelInfo> infos, long started,
      AnalysesView analyses) {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("dataset", inputs.name());
    run.put("images", inputs.images() == null ? 0 : inputs.images().items().size());
    run.put("triplets", inputs.expectedTriplets());
    run.put("models", infos.stream().map(ModelInfo::modelId).toList());
    run.put("noise_levels", noiseLevels);
    run.put("conditionings", conditionings.stream().map(Enum::name).toList());
    run.put("resolution", resolution);
    run.put("seed", seed);
    run.put("wall_time_s", (System.nanoTime() - started) / 1e9);
    run.put("analyses", analyses);
    return run;
  }
}
