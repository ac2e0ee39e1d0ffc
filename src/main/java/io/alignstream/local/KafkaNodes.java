package io.alignstream.local;

import io.alignstream.common.Replication;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The nodes of a KRaft cluster on 127.0.0.1 in which every node is both broker and controller:
 * each node's id, client port and controller port, and the cluster id they were formatted with.
 * Every node must know every controller port up front (the static quorum,
 * {@code controller.quorum.voters}), so the ports are fixed before any node starts.
 *
 * @param clusterId the id every node's log directory is formatted with
 * @param nodes ids 1..n in order
 */
public record KafkaNodes(String clusterId, List<Node> nodes) {

  static final String HOST = "127.0.0.1";

  /** One node: its id, the port clients use and the port of its controller. */
  public record Node(int id, int port, int controllerPort) {
    String bootstrap() {
      return HOST + ":" + port;
    }

    /** {@code id:port:controllerPort}, as {@link #parse} reads it. */
    @Override
    public String toString() {
      return id + ":" + port + ":" + controllerPort;
    }
  }

  public KafkaNodes {
    nodes = List.copyOf(nodes);
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a cluster has at least one node");
    }
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).id() != i + 1) {
        throw new IllegalArgumentException("node ids must be 1.." + nodes.size() + " in order, got " + nodes);
      }
    }
  }

  /**
   * {@code count} nodes: clients on {@code firstPort}, {@code firstPort + 1}, ... (each a free
   * port when {@code firstPort} is 0), controllers on free ports.
   */
  static KafkaNodes of(String clusterId, int count, int firstPort) {
    List<Node> nodes = new ArrayList<>();
    for (int id = 1; id <= count; id++) {
      int port = firstPort == 0 ? FreePorts.any() : FreePorts.require(firstPort + id - 1, "Kafka");
      nodes.add(new Node(id, port, FreePorts.any()));
    }
    return new KafkaNodes(clusterId, nodes);
  }

  /** Reads {@code id:port:controllerPort,...} (what {@link #toString} of the nodes gives). */
  static KafkaNodes parse(String clusterId, String text) {
    List<Node> nodes = new ArrayList<>();
    for (String part : text.split(",")) {
      String[] f = part.trim().split(":");
      if (f.length != 3) {
        throw new IllegalArgumentException("a node is id:port:controllerPort, not '" + part + "'");
      }
      nodes.add(new Node(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2])));
    }
    return new KafkaNodes(clusterId, nodes);
  }

  public int size() {
    return nodes.size();
  }

  public Node node(int id) {
    return nodes.get(id - 1);
  }

  /** The static quorum: {@code 1@127.0.0.1:C1,2@127.0.0.1:C2,...}. */
  String voters() {
    return nodes.stream().map(n -> n.id() + "@" + HOST + ":" + n.controllerPort()).collect(Collectors.joining(","));
  }

  public String bootstrapServers() {
    return nodes.stream().map(Node::bootstrap).collect(Collectors.joining(","));
  }

  /** Replication of the internal topics (offsets, transactions) and the default for new topics. */
  public Replication replication() {
    return Replication.forBrokers(nodes.size());
  }

  /** {@code id:port:controllerPort,...}. */
  String describe() {
    return nodes.stream().map(Node::toString).collect(Collectors.joining(","));
  }
}
