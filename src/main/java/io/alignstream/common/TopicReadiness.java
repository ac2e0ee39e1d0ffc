package io.alignstream.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult.ReplicaLogDirInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Waits until freshly created topics can be written. A KRaft controller acknowledges a new
 * topic before its broker has applied the change: producing at once meets
 * NOT_LEADER_OR_FOLLOWER, and an idempotent producer retrying through that was seen to stall
 * on OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout. A partition is ready when its
 * leader's log exists on the leader, which is what describeReplicaLogDirs reports.
 */
public final class TopicReadiness {

  private TopicReadiness() {}

  /** Waits through an Admin client the caller holds (e.g. the one that just created the topics). */
  public static void awaitWritable(Admin admin, Collection<String> topics, Duration timeout) throws ExecutionException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      List<String> pending = new ArrayList<>();
      while (true) {
        pending.clear();
        Map<String, TopicDescription> descriptions;
        try {
          descriptions = admin.describeTopics(topics).allTopicNames().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(50); // created (by this or another process) but not yet known to the broker that answered
          continue;
        }
        List<TopicPartitionReplica> leaders = new ArrayList<>();
        for (TopicDescription description : descriptions.values()) {
          for (TopicPartitionInfo partition : description.partitions()) {
            if (partition.leader() == null) {
              pending.add(description.name() + "-" + partition.partition() + " (no leader)");
            } else {
              leaders.add(new TopicPartitionReplica(description.name(), partition.partition(), partition.leader().id()));
            }
          }
        }
        Map<TopicPartitionReplica, ReplicaLogDirInfo> logs = admin.describeReplicaLogDirs(leaders).all().get();
        for (TopicPartitionReplica replica : leaders) {
          ReplicaLogDirInfo info = logs.get(replica);
          if (info == null || info.getCurrentReplicaLogDir() == null) {
            pending.add(replica.topic() + "-" + replica.partition() + " (no log on its leader yet)");
          }
        }
        if (pending.isEmpty()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topics not ready after " + timeout.toSeconds() + " s: " + pending);
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for topics", e);
    }
  }
}
