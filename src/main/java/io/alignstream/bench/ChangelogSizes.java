package io.alignstream.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a Kafka Streams application's changelogs hold, per changelog topic: the committed records
 * (read with read_committed, as a restoration reads them) and the bytes the brokers store for
 * them (one replica per partition: record batches, headers, transaction markers and aborted
 * records included, after whatever compaction ran). Their ratio, the stored bytes per record,
 * turns the records a restoration reports (a {@code StateRestoreListener} is told records, not
 * bytes) into the bytes it had to fetch.
 *
 * @param topics changelog topic to its size
 */
record ChangelogSizes(Map<String, Size> topics) {

  /** One changelog topic: committed records and stored bytes over all its partitions. */
  record Size(long records, long storedBytes) {
    double bytesPerRecord() {
      return records == 0 ? 0 : (double) storedBytes / records;
    }
  }

  /** The changelogs ({@code APPLICATION-...-changelog}) of {@code applicationId}. */
  static ChangelogSizes of(Admin admin, Map<String, Object> consumerProperties, String applicationId)
      throws ExecutionException, InterruptedException, TimeoutException {
    Set<String> changelogs = new TreeSet<>();
    for (String topic : admin.listTopics().names().get(30, TimeUnit.SECONDS)) {
      if (topic.startsWith(applicationId + "-") && topic.endsWith("-changelog")) {
        changelogs.add(topic);
      }
    }
    // The largest replica of each partition: replicas hold the same batches, one may lag.
    Map<TopicPartition, Long> stored = new HashMap<>();
    List<Integer> brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(Node::id).toList();
    for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get(30, TimeUnit.SECONDS)
        .values()) {
      dirs.values().forEach(dir -> dir.replicaInfos().forEach((partition, replica) -> {
        if (changelogs.contains(partition.topic())) {
          stored.merge(partition, replica.size(), Math::max);
        }
      }));
    }
    Map<String, Size> topics = new TreeMap<>();
    Map<String, Object> props = new HashMap<>(consumerProperties);
    props.remove("group.id");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      for (String topic : changelogs) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long records = 0;
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
          for (ConsumerRecord<byte[], byte[]> ignored : consumer.poll(Duration.ofMillis(500))) {
            records++;
          }
        }
        long bytes = partitions.stream().mapToLong(p -> stored.getOrDefault(p, 0L)).sum();
        topics.put(topic, new Size(records, bytes));
      }
    }
    return new ChangelogSizes(topics);
  }

  /** The stored bytes of {@code records} records per changelog topic, at each topic's bytes per record. */
  long bytesOf(Map<String, Long> records) {
    double bytes = 0;
    for (Map.Entry<String, Long> entry : records.entrySet()) {
      Size size = topics.get(entry.getKey());
      bytes += size == null ? 0 : entry.getValue() * size.bytesPerRecord();
    }
    return Math.round(bytes);
  }
}
