package io.alignstream.common;

import picocli.CommandLine.Option;

/**
 * How the pipeline's topics must look: missing ones are created so, existing ones are checked
 * (see {@link PipelineTopics#ensure}). Unset, the defaults fit the cluster: six partitions for
 * new topics, and three replicas (two in sync) on three or more brokers, one on one.
 */
public final class TopicOptions {

  @Option(names = "--partitions", paramLabel = "N",
      description = "Partitions of each keyed pipeline topic, the most instances of a service that share work: topics"
          + " this command creates get N (default: " + PipelineTopics.DEFAULT_PARTITIONS + "), existing ones must have"
          + " at least N (unset: any).")
  Integer partitions;

  @Option(names = "--replication-factor", paramLabel = "N",
      description = "Replicas of each pipeline topic (min.insync.replicas N-1, at least 1); existing topics must have at"
          + " least N (default: 3 on a cluster of three or more brokers, else one per broker).")
  Integer replicationFactor;

  public TopicLayout layout() {
    if ((partitions != null && partitions < 1) || (replicationFactor != null && replicationFactor < 1)) {
      throw new IllegalArgumentException("--partitions and --replication-factor must be at least 1");
    }
    return new TopicLayout(partitions, replicationFactor == null ? null : Replication.of(replicationFactor));
  }

  /** Checks the existing topics and creates the missing ones; returns the replication in force. */
  public Replication ensureTopics(ClusterConfig cluster) {
    return PipelineTopics.ensure(cluster, layout());
  }
}
