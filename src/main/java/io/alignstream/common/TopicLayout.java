package io.alignstream.common;

/**
 * What the pipeline's topics must look like, as a command was asked for it. Topics that are
 * missing are created so; topics that exist must not have less (see {@link PipelineTopics#ensure}).
 *
 * @param partitions partitions of each keyed topic: new ones get this many, existing ones must
 *     have at least as many; null when not asked for: {@value PipelineTopics#DEFAULT_PARTITIONS}
 *     for new topics, existing ones as they are
 * @param replication replicas and minimum in sync; null when not asked for: from the number of
 *     brokers ({@link Replication#forBrokers})
 */
public record TopicLayout(Integer partitions, Replication replication) {

  public TopicLayout {
    if (partitions != null && partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
    }
  }

  /** Nothing asked for: the defaults for new topics, existing ones as they are. */
  public static TopicLayout automatic() {
    return new TopicLayout(null, null);
  }

  public static TopicLayout ofPartitions(int partitions) {
    return new TopicLayout(partitions, null);
  }

  public TopicLayout withPartitions(int count) {
    return new TopicLayout(count, replication);
  }

  int partitionsForNewTopics() {
    return partitions == null ? PipelineTopics.DEFAULT_PARTITIONS : partitions;
  }
}
