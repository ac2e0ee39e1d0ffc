package io.alignstream.common;

/**
 * How many copies of each partition a topic keeps, and how many of them must have a write
 * before it counts ({@code min.insync.replicas}): the pipeline topics, Kafka Streams' internal
 * topics and the schema registry's topic all follow it.
 *
 * <p>Three replicas with a minimum of two in sync is the usual choice for a cluster that must
 * lose a broker without losing a committed write or stopping: with {@code acks=all} a write
 * waits for two copies, and one broker can be down (or restarting) while writes go on. On one
 * broker there is nothing to replicate to: one replica, minimum one.
 *
 * @param factor replicas of each partition
 * @param minInsync in-sync replicas a write with {@code acks=all} needs
 */
public record Replication(short factor, int minInsync) {

  public Replication {
    if (factor < 1 || minInsync < 1 || minInsync > factor) {
      throw new IllegalArgumentException("replication factor must be at least 1 and min.insync.replicas 1.." + factor
          + ", got " + factor + " and " + minInsync);
    }
  }

  /** Three replicas (two in sync) on three or more brokers; otherwise one replica per broker, all in sync but one. */
  public static Replication forBrokers(int brokers) {
    if (brokers < 1) {
      throw new IllegalArgumentException("a cluster has at least one broker, not " + brokers);
    }
    return brokers >= 3 ? new Replication((short) 3, 2) : of(brokers);
  }

  /** {@code factor} replicas of which all but one must be in sync (at least one): what a given factor implies. */
  public static Replication of(int factor) {
    if (factor < 1 || factor > Short.MAX_VALUE) {
      throw new IllegalArgumentException("replication factor must be at least 1, not " + factor);
    }
    return new Replication((short) factor, Math.max(1, factor - 1));
  }
}
