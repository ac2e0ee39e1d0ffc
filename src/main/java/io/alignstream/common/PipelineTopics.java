package io.alignstream.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the pipeline's topics with the retention docs/architecture.md gives: inputs and latest-state
 * outputs compacted and kept forever (a model added later replays every request; a scorer
 * started later replays every embedding), embeddings kept forever but not compacted (many
 * items share a setting key); each with the cluster's {@link Replication}. Existing topics are
 * used as they are, unless they have fewer partitions or replicas than asked for: then the
 * command stops with an error naming the topic and the fix, rather than run on less.
 */
public final class PipelineTopics {

  /** Partitions of each topic: the most extractor instances (and scorer tasks) that can share the work. */
  public static final int DEFAULT_PARTITIONS = 6;

  /** Inline images can be large; requests and their dead letters get 16 MiB records. */
  public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

  private PipelineTopics() {}

  public static List<NewTopic> definitions(Topics topics, int partitions, Replication replication) {
    Map<String, String> compactForever = Map.of(
        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
        TopicConfig.RETENTION_MS_CONFIG, "-1");
    Map<String, String> keepForever = Map.of(
        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
        TopicConfig.RETENTION_MS_CONFIG, "-1");
    Map<String, String> largeRecords = Map.of(
        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_REQUEST_BYTES));
    List<NewTopic> list = new ArrayList<>();
    list.add(topic(topics.requests(), partitions, replication, compactForever, largeRecords));
    list.add(topic(topics.triplets(), partitions, replication, compactForever, Map.of()));
    list.add(topic(topics.embeddings(), partitions, replication, keepForever, Map.of()));
    list.add(topic(topics.oooa(), partitions, replication, compactForever, Map.of()));
    list.add(topic(topics.oooaWindowed(), partitions, replication, compactForever, Map.of()));
    list.add(topic(topics.probes(), partitions, replication, compactForever, Map.of()));
    list.add(topic(topics.regressions(), partitions, replication, compactForever, Map.of()));
    list.add(topic(topics.models(), 1, replication, compactForever, Map.of()));
    // One partition: every fleet instance reads every model request, in the order they were made.
    list.add(topic(topics.modelRequests(), 1, replication, compactForever, Map.of()));
    list.add(topic(topics.modelProgress(), 1, replication, compactForever, Map.of()));
    list.add(topic(topics.deadletter(), 1, replication, keepForever, largeRecords));
    return list;
  }

  /**
   * Checks the topics that exist against {@code layout}, creates the missing ones, and waits
   * until all can be written. Returns the replication in force, which the services give their
   * own topics (Kafka Streams' changelogs, the registry's topic) too.
   *
   * @throws IllegalArgumentException when the cluster has fewer brokers than the replication asked
   *     for, or an existing topic has fewer partitions or replicas than {@code layout} asks for
   */
  public static Replication ensure(ClusterConfig cluster, TopicLayout layout) {
    try (Admin admin = Admin.create(cluster.clientProperties("alignstream-topics"))) {
      int brokers = admin.describeCluster().nodes().get().size();
      Replication replication = layout.replication() != null ? layout.replication() : Replication.forBrokers(brokers);
      if (replication.factor() > brokers) {
        throw new IllegalArgumentException(String.format(
            "the cluster at %s has %d broker%s, fewer than the replication factor %d asked for: run a cluster of at"
                + " least %d brokers (alignstream local --brokers %d) or pass --replication-factor %d",
            cluster.bootstrapServers(), brokers, brokers == 1 ? "" : "s", replication.factor(), replication.factor(),
            Math.max(3, replication.factor()), brokers));
      }
      List<NewTopic> wanted = definitions(cluster.topics(), layout.partitionsForNewTopics(), replication);
      Set<String> existing = admin.listTopics().names().get();
      List<String> names = wanted.stream().map(NewTopic::name).toList();
      Map<String, TopicDescription> described = describeSettled(admin, names.stream().filter(existing::contains).toList());
      for (NewTopic topic : wanted) {
        TopicDescription present = described.get(topic.name());
        if (present != null) {
          requireEnough(present, topic, layout, replication);
        }
      }
      List<NewTopic> missing = wanted.stream().filter(t -> !described.containsKey(t.name())).toList();
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e; // another process may have created them meanwhile; anything else is real
          }
        }
      }
      TopicReadiness.awaitWritable(admin, names, Duration.ofSeconds(60));
      return replication;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create the pipeline topics at " + cluster.bootstrapServers()
          + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /**
   * The descriptions of topics the cluster lists, leaving out those another process is creating
   * at this moment (listed, but not yet hosted: UnknownTopicOrPartitionException); those count as
   * missing, and creating them again is a TopicExistsException the caller expects.
   */
  private static Map<String, TopicDescription> describeSettled(Admin admin, List<String> names)
      throws InterruptedException, ExecutionException {
    Map<String, TopicDescription> described = new HashMap<>();
    for (Map.Entry<String, KafkaFuture<TopicDescription>> e : admin.describeTopics(names).topicNameValues().entrySet()) {
      try {
        described.put(e.getKey(), e.getValue().get());
      } catch (ExecutionException notYet) {
        if (!(notYet.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw notYet;
        }
      }
    }
    return described;
  }

  /**
   * An existing topic with fewer partitions than asked for (keyed topics only: the single-partition
   * ones have one by design) or fewer replicas than the replication in force is an error, never
   * a silent downgrade. Adding partitions is not offered as the fix: records are keyed by
   * setting or request, and a keyed topic that grows sends new records of a key to another
   * partition than its old ones.
   */
  private static void requireEnough(TopicDescription present, NewTopic wanted, TopicLayout layout,
      Replication replication) {
    int partitions = present.partitions().size();
    if (layout.partitions() != null && wanted.numPartitions() > 1 && partitions < wanted.numPartitions()) {
      throw new IllegalArgumentException(String.format(
          "topic %s has %d partitions, fewer than the %d asked for (--partitions %d): pass --partitions %d to use it"
              + " as it is, or start over on new topics (another --topic-prefix, or a new data directory) with more;"
              + " adding partitions to it would split the records of one key across partitions",
          present.name(), partitions, wanted.numPartitions(), wanted.numPartitions(), partitions));
    }
    int replicas = present.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
    if (replicas < replication.factor()) {
      throw new IllegalArgumentException(String.format(
          "topic %s has %d replica%s per partition, fewer than the %d expected (min.insync.replicas %d): add replicas"
              + " (kafka-reassign-partitions.sh), recreate the topic, or pass --replication-factor %d to run on it as"
              + " it is",
          present.name(), replicas, replicas == 1 ? "" : "s", replication.factor(), replication.minInsync(), replicas));
    }
  }

  private static NewTopic topic(String name, int partitions, Replication replication, Map<String, String> retention,
      Map<String, String> extra) {
    Map<String, String> configs = new HashMap<>(retention);
    configs.putAll(extra);
    configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(replication.minInsync()));
    return new NewTopic(name, partitions, replication.factor()).configs(configs);
  }
}
