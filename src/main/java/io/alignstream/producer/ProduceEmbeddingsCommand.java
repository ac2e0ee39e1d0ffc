package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ClusterOptions;
import io.alignstream.common.InputLimitOptions;
import io.alignstream.common.TopicOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alignstream produce embeddings}: features computed elsewhere, one LayerEmbedding per concept. */
@Command(name = "embeddings", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Publish features computed elsewhere (thingsvision, VICE, ...) as LayerEmbeddings.",
        "One record per concept row, under the setting (model id, layer, noise 0, NONE).",
        "Files: .npy (float32/float64, C or Fortran order), HDF5 (.h5/.hdf5: thingsvision's 'features' dataset,",
        "or any 2-D dataset with --dataset-path), .txt/.tsv/.csv (one row per concept).",
        "Example:",
        "  produce embeddings --model-id vice --layer embedding --file vice.npy --concepts things_concepts.tsv"})
public final class ProduceEmbeddingsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--model-id", paramLabel = "ID", description = "Model id of the setting, e.g. vice, clip-vit-b32.")
  String modelId;

  @Option(names = "--layer", paramLabel = "NAME", description = "Layer name of the setting, e.g. embedding, visual.")
  String layer;

  @Option(names = "--file", paramLabel = "FILE", description = "Feature file, row i = concept i of --concepts.")
  Path file;

  @Option(names = "--dataset-path", paramLabel = "PATH",
      description = "HDF5 only: the dataset to read, e.g. model/layer/features (default: features, as thingsvision "
          + "writes it).")
  String datasetPath;

  @Option(names = "--concepts", paramLabel = "FILE",
      description = "Concept list giving the row order (things_concepts.tsv, or one uniqueID per line).")
  Path concepts;

  @Mixin
  InputLimitOptions limits;

  @Mixin
  TopicOptions topicSetup;

  @Mixin
  ClusterOptions clusterOptions;

  @Override
  public Integer call() {
    if (modelId == null || layer == null || file == null || concepts == null) {
      throw new IllegalArgumentException("produce embeddings needs --model-id, --layer, --file and --concepts");
    }
    PrecomputedFeatures features = PrecomputedFeatures.read(modelId, layer, file, datasetPath,
        ConceptList.read(concepts));
    String tooLong = limits.limits().vectorDimProblem(features.matrix().columns());
    if (tooLong != null) {
      throw InvalidInputException.in(file, "rows of " + tooLong);
    }
    ClusterConfig cluster = clusterOptions.resolve();
    topicSetup.ensureTopics(cluster);
    PublishReport report;
    try (EmbeddingPublisher publisher = new EmbeddingPublisher(cluster)) {
      report = publisher.publish(features);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("published %d embeddings of %d dimensions to %s (setting %s, %s %s)%n", report.published(),
        features.matrix().columns(), report.topic(), features.settingKey(), features.matrix().dtype(),
        features.sourceName());
    for (String warning : report.warnings()) {
      out.println("warning: " + warning);
    }
    out.flush();
    return 0;
  }
}
