package io.alignstream.extractor;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group has come on a topic: its committed offsets against the topic's end
 * offsets (read_committed), summed over partitions. A group is done when it has committed up to
 * the end of every partition; a group that never committed counts as at offset 0, so on an
 * empty topic every group is done.
 *
 * @param consumed committed offsets, summed (a partition without a commit counts 0)
 * @param end end offsets, summed
 * @param behind partitions whose committed offset is below their end
 */
record GroupOffsets(long consumed, long end, int behind) {

  boolean done() {
    return behind == 0;
  }

  static GroupOffsets read(Admin admin, String group, String topic) {
    try {
      int partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic)
          .partitions().size();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
      Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group);
      long consumed = 0;
      long end = 0;
      int behind = 0;
      for (TopicPartition partition : latest.keySet()) {
        long partitionEnd = ends.get(partition).offset();
        OffsetAndMetadata offset = committed.get(partition);
        long partitionCommitted = offset == null ? 0 : offset.offset();
        consumed += Math.min(partitionCommitted, partitionEnd);
        end += partitionEnd;
        if (partitionCommitted < partitionEnd) {
          behind++;
        }
      }
      return new GroupOffsets(consumed, end, behind);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the offsets of group " + group + " on " + topic + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the offsets of group " + group, e);
    }
  }

  /** The group's committed offsets, waiting for any transaction that is committing offsets to finish. */
  static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group)
      throws ExecutionException, InterruptedException {
    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(
            Map.of(group, new ListConsumerGroupOffsetsSpec()), new ListConsumerGroupOffsetsOptions().requireStable(true))
        .partitionsToOffsetAndMetadata(group).get();
    // A partition the group never committed may come back mapped to null.
    Map<TopicPartition, OffsetAndMetadata> present = new HashMap<>();
    offsets.forEach((partition, offset) -> {
      if (offset != null) {
        present.put(partition, offset);
      }
    });
    return present;
  }
}
