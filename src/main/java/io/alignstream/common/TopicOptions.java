package io.alignstream.common;

import picocli.CommandLine.Option;

/** How to create the pipeline's topics when they do not exist yet (existing ones are left alone). */
public final class TopicOptions {

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + PipelineTopics.DEFAULT_PARTITIONS,
      description = "Partitions of topics this command creates (default: ${DEFAULT-VALUE}); extractors scale out up to this many instances.")
  int partitions;

  @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "1",
      description = "Replication factor of topics this command creates (default: ${DEFAULT-VALUE}).")
  short replicationFactor;

  public void ensureTopics(ClusterConfig cluster) {
    if (partitions < 1 || replicationFactor < 1) {
      throw new IllegalArgumentException("--partitions and --replication-factor must be at least 1");
    }
    PipelineTopics.ensure(cluster, partitions, replicationFactor);
  }
}
