package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.common.InputLimitOptions;
import io.alignstream.common.TopicOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alignstream produce triplets}: human responses from a file, or the synthetic set's simulated ones. */
@Command(name = "triplets", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Publish odd-one-out responses (one TripletJudgment each) to the triplets topic.",
        "Formats: ijk = 'i j k', 0-based concept indices, the LAST column is the odd one out (SPoSE/VICE);",
        "ijk-choice-subject = 'i j k choice subject', 1-based, choice = position 1..3 of the odd one out.",
        "A file with any malformed line publishes nothing.",
        "Examples:",
        "  produce triplets --file things_behavior_triplets_test10.txt --concepts things_concepts.tsv",
        "  produce triplets --dataset synthetic"})
public final class ProduceTripletsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--dataset", paramLabel = "things|synthetic", defaultValue = "things",
      description = "things: read --file against --concepts; synthetic: the synthetic set's simulated responses (default: ${DEFAULT-VALUE}).")
  DatasetKind dataset;

  @Option(names = "--file", paramLabel = "FILE", description = "Triplet file (whitespace or comma separated).")
  Path file;

  @Option(names = "--concepts", paramLabel = "FILE",
      description = "Concept list the indices refer to (things_concepts.tsv, or one uniqueID per line).")
  Path concepts;

  @Option(names = "--format", paramLabel = "auto|ijk|ijk-choice-subject", defaultValue = "auto",
      converter = ProduceCommand.FormatConverter.class,
      description = "File format; auto decides by the column count (3 or 5) (default: ${DEFAULT-VALUE}).")
  TripletFormat format;

  @Option(names = "--only-with-images", paramLabel = "DIR",
      description = "Publish only triplets whose three concepts have an image in DIR (same layouts as produce requests --things-dir).")
  Path onlyWithImages;

  @Option(names = "--dataset-name", paramLabel = "NAME",
      description = "Dataset name of the records and of triplet ids <name>:<file>:<line> (default: the --dataset value).")
  String datasetName;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
      description = "Publish only the first N responses kept (0 = all; default: ${DEFAULT-VALUE}).")
  long limit;

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
    if (limit < 0) {
      throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
    }
    return dataset == DatasetKind.SYNTHETIC ? publishSynthetic() : publishFile();
  }

  private int publishSynthetic() {
    String name = datasetName != null ? datasetName : dataset.label();
    SyntheticDataset generated = SyntheticDataset.generate(synthetic.spec());
    var responses = generated.dataset().triplets();
    if (limit > 0 && limit < responses.size()) {
      responses = responses.subList(0, (int) limit);
    }
    ClusterConfig cluster = clusterOptions.resolve();
    topicSetup.ensureTopics(cluster);
    PublishReport report;
    try (TripletPublisher publisher = new TripletPublisher(cluster)) {
      report = publisher.publish(name, responses);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("published %d triplets to %s (synthetic set of %d concepts, seed %d)%n", report.published(),
        report.topic(), generated.concepts().size(), generated.spec().seed());
    out.flush();
    return 0;
  }

  private int publishFile() {
    if (file == null || concepts == null) {
      throw new IllegalArgumentException("triplets from a file need --file FILE and --concepts FILE"
          + " (or --dataset synthetic)");
    }
    PrintWriter out = spec.commandLine().getOut();
    String name = datasetName != null ? datasetName : dataset.label();
    ConceptList conceptList = ConceptList.read(concepts);
    Set<String> allowed = null;
    if (onlyWithImages != null) {
      allowed = ConceptImages.scan(onlyWithImages, conceptList, 1).conceptsWithImages();
      out.printf("keeping triplets whose three concepts are among the %d with an image in %s%n", allowed.size(),
          onlyWithImages);
    }
    TripletFileReader reader = new TripletFileReader(conceptList, format, name, limits.limits());
    // First pass: validate the whole file, so a malformed line publishes nothing.
    TripletFileReader.Summary summary = reader.read(file, response -> { });

    ClusterConfig cluster = clusterOptions.resolve();
    topicSetup.ensureTopics(cluster);
    long[] skipped = {0};
    long[] sent = {0};
    PublishReport report;
    try (TripletPublisher publisher = new TripletPublisher(cluster)) {
      Set<String> keep = allowed;
      Consumer<TripletResponse> sink = response -> {
        if (keep != null && !keep.containsAll(response.items())) {
          skipped[0]++;
        } else if (limit == 0 || sent[0] < limit) {
          publisher.send(name, response);
          sent[0]++;
        }
      };
      reader.read(file, sink);
      report = publisher.flush();
    }
    out.printf("published %d triplets to %s (file %s, format %s, %d responses read%s)%n", report.published(),
        report.topic(), file.getFileName(), summary.format().label(), summary.responses(),
        skippedNote(skipped[0]));
    out.flush();
    return 0;
  }

  private static String skippedNote(long skipped) {
    return skipped == 0 ? "" : ", " + skipped + " skipped: a concept without an image";
  }
}
