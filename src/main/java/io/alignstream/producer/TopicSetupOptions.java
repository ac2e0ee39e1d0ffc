package io.alignstream.producer;

import io.alignstream.common.ClusterConfig;
import io.alignstream.common.PipelineTopics;
import picocli.CommandLine.Option;

/** How to create the pipeline's topics when they do not exist yet (existing ones are left alone). */
public final class TopicSetupOptions {

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "6",
      description = "Partitions of topics this command creates (default: ${DEFAULT-VALUE}); extractors scale out up to this many instances.")
  int partitions;

  @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "1",
      description = "Replication factor of topics this command creates (default: ${DEFAULT-VALUE}).")
  short replicationFactor;

  void ensureTopics(ClusterConfig cluster) {
    if (partitions < 1 || replicationFactor < 1) {
      throw new IllegalArgumentException("--partitions and --replication-factor must be at least 1");
    }
    PipelineTopics.ensure(cluster, partitions, replicationFactor);
    TopicReadiness.awaitWritable(cluster,
        PipelineTopics.definitions(cluster.topics(), partitions, replicationFactor).stream().map(t -> t.name()).toList(),
        java.time.Duration.ofSeconds(60));
  }
}
