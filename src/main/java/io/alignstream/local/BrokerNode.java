package io.alignstream.local;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The main class of one broker of {@code local --brokers N} in its own JVM (started by
 * {@link BrokerProcesses}, never by hand): {@code --nodes 1:PORT:CONTROLLER_PORT,... --node I
 * --cluster-id ID --log-dir DIR}. Prints {@value #READY} once it serves; stops (closing the
 * broker) on SIGTERM or when the process that started it is gone, so a killed {@code local}
 * leaves no broker behind.
 */
public final class BrokerNode {

  static final String READY = "alignstream broker node ready";

  private BrokerNode() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    KafkaNodes nodes = KafkaNodes.parse(options.get("--cluster-id"), options.get("--nodes"));
    int id = Integer.parseInt(options.get("--node"));
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startNode(nodes, id, Path.of(options.get("--log-dir")));
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "alignstream-broker-node-shutdown"));
    System.out.println(READY + ": node " + id + " on " + broker.bootstrapServers());
    System.out.flush();
    CountDownLatch parentGone = new CountDownLatch(1);
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(parentGone::countDown));
    parentGone.await();
    System.exit(0); // runs the shutdown hook: the broker closes
  }

  /** The arguments {@link #main} reads. */
  static String[] arguments(KafkaNodes nodes, int id, Path logDir) {
    return new String[] {"--nodes", nodes.describe(), "--node", String.valueOf(id), "--cluster-id", nodes.clusterId(),
        "--log-dir", logDir.toString()};
  }
}
