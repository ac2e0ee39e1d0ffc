package io.alignstream.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the pipeline's topics with the retention docs/architecture.md gives: inputs and latest-state
 * outputs compacted and kept forever (a model added later replays every request; a scorer
 * started later replays every embedding), embeddings kept forever but not compacted (many
 * items share a setting key). Existing topics are left as they are.
 */
public final class PipelineTopics {

  /** Partitions of each topic: the most extractor instances (and scorer tasks) that can share the work. */
  public static final int DEFAULT_PARTITIONS = 6;

  /** Inline images can be large; requests and their dead letters get 16 MiB records. */
  public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

  private PipelineTopics() {}

  public static List<NewTopic> definitions(Topics topics, int partitions, short replication) {
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

  /** Creates whatever of the pipeline's topics does not exist yet, and waits until all can be written. */
  public static void ensure(ClusterConfig cluster, int partitions, short replication) {
    try (Admin admin = Admin.create(cluster.clientProperties("alignstream-topics"))) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = definitions(cluster.topics(), partitions, replication).stream()
          .filter(t -> !existing.contains(t.name()))
          .toList();
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e; // another process may have created them meanwhile; anything else is real
          }
        }
      }
      TopicReadiness.awaitWritable(cluster, definitions(cluster.topics(), partitions, replication).stream()
          .map(NewTopic::name).toList(), Duration.ofSeconds(60));
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create the pipeline topics at " + cluster.bootstrapServers()
          + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  private static NewTopic topic(String name, int partitions, short replication, Map<String, String> retention,
      Map<String, String> extra) {
    Map<String, String> configs = new java.util.HashMap<>(retention);
    configs.putAll(extra);
    return new NewTopic(name, partitions, replication).configs(configs);
  }
}
