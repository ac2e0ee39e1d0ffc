package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.common.InputLimitOptions;
import io.alignstream.common.InputLimits;
import io.alignstream.common.TopicOptions;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alignstream produce requests}: one ExtractionRequest per image. */
@Command(name = "requests", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Publish one ExtractionRequest per image (the image inline, with the noise settings) to the requests topic.",
        "Examples:",
        "  produce requests --dataset synthetic",
        "  produce requests --dataset things --things-dir ../shared/data/emoji/google64 --concepts things_concepts.tsv"})
public final class ProduceRequestsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--dataset", paramLabel = "synthetic|things", defaultValue = "synthetic",
      description = "Which images: the generated synthetic set, or a THINGS-style folder (default: ${DEFAULT-VALUE}).")
  DatasetKind dataset;

  @Option(names = "--things-dir", paramLabel = "DIR",
      description = "Image folder named by uniqueID: <uniqueID>.png|jpg|jpeg, or THINGS' <uniqueID>/<uniqueID>_01b.jpg (also a THINGS root with object_images/).")
  Path thingsDir;

  @Option(names = "--concepts", paramLabel = "FILE",
      description = "Concept list (things_concepts.tsv with a uniqueID column, or one id per line); required for --dataset things.")
  Path concepts;

  @Option(names = "--images-per-concept", paramLabel = "N", defaultValue = "1",
      description = "Images per concept, the first in file-name order; 0 = all (default: ${DEFAULT-VALUE}).")
  int imagesPerConcept;

  @Option(names = "--dataset-name", paramLabel = "NAME",
      description = "Dataset name written into each request (default: the --dataset value).")
  String datasetName;

  @Option(names = "--noise-levels", paramLabel = "S", split = ",", splitSynopsisLabel = ",",
      defaultValue = "0,0.01,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9",
      description = "Noise levels s in [0, 1] (default: ${DEFAULT-VALUE}).")
  List<Double> noiseLevels = new ArrayList<>();

  @Option(names = "--timesteps", paramLabel = "T", split = ",", splitSynopsisLabel = ",",
      description = "Explicit timesteps 0..999, used instead of the noise levels.")
  List<Integer> timesteps = new ArrayList<>();

  @Option(names = "--conditionings", paramLabel = "none|text", split = ",", splitSynopsisLabel = ",", defaultValue = "none,text",
      description = "Conditionings (default: ${DEFAULT-VALUE}).")
  List<Conditioning> conditionings = new ArrayList<>();

  @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
      description = "Seed of the posterior sample and noise draw per image (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--resolution", paramLabel = "PIXELS", defaultValue = "512",
      description = "Shorter image side the extractor resizes to, a multiple of 8 (default: ${DEFAULT-VALUE}).")
  int resolution;

  @Option(names = "--latent", paramLabel = "sample|mean", defaultValue = "sample",
      description = "z0 from a sample of the VAE posterior or its mean (default: ${DEFAULT-VALUE}).")
  LatentMode latent;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
      description = "Publish only the first N images (0 = all; default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--force",
      description = "Send every request, also those already on the requests topic unchanged (by default a re-run "
          + "sends only new or changed requests, so extractors do not repeat work).")
  boolean force;

  @Mixin
  SyntheticOptions synthetic;

  @Mixin
  InputLimitOptions limits;

  @Mixin
  TopicOptions topicSetup;

  @Mixin
  ClusterOptions clusterOptions;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ExtractionSettings settings = new ExtractionSettings(noiseLevels, timesteps, conditionings, seed, resolution, latent);
    if (limit < 0) {
      throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
    }
    InputLimits inputLimits = limits.limits();
    Dataset data = load(out).limitItems(limit);
    ClusterConfig cluster = clusterOptions.resolve();
    topicSetup.ensureTopics(cluster);
    PublishReport report;
    try (RequestPublisher publisher = new RequestPublisher(cluster, inputLimits, force)) {
      report = publisher.publish(data, settings);
    }
    out.printf("published %d requests to %s (dataset %s, settings digest %s: %s)%n", report.published(),
        report.topic(), data.name(), settings.digest(), settings.canonicalString());
    if (report.unchanged() > 0) {
      out.printf("skipped %d requests already on %s unchanged (--force sends them again)%n", report.unchanged(),
          report.topic());
    }
    if (report.rejected() > 0) {
      out.printf("rejected %d images (sent to %s): %s%n", report.rejected(), cluster.topics().deadletter(),
          String.join("; ", report.warnings()));
    }
    out.flush();
    return 0;
  }

  private Dataset load(PrintWriter out) {
    String name = datasetName != null ? datasetName : dataset.label();
    if (dataset == DatasetKind.SYNTHETIC) {
      SyntheticDataset generated = SyntheticDataset.generate(synthetic.spec());
      return new Dataset(name, generated.dataset().items(), List.of());
    }
    if (thingsDir == null || concepts == null) {
      throw new IllegalArgumentException("--dataset things needs --things-dir DIR and --concepts FILE");
    }
    ConceptList conceptList = ConceptList.read(concepts);
    ConceptImages images = ConceptImages.scan(thingsDir, conceptList, imagesPerConcept);
    out.printf("found %d images for %d of %d concepts in %s%s%n", images.images().size(),
        images.conceptsWithImages().size(), conceptList.size(), images.folder(),
        images.ignored().isEmpty() ? "" : " (" + images.ignored().size() + " entries name no concept and were ignored)");
    return new Dataset(name, images.items(), List.of());
  }
}
