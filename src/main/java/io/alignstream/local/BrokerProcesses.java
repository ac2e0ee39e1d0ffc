package io.alignstream.local;

import io.alignstream.common.TemporaryDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The brokers of {@code local --brokers N}, each a {@link BrokerNode} in its own JVM, watched
 * and restarted when one exits, as a supervisor would.
 *
 * <p>Why separate processes rather than N brokers in this JVM: replication is there to survive
 * the loss of one broker, and brokers that share a process are lost together: one JVM crash,
 * out-of-memory error, SIGKILL or long GC pause would take all of them. Each in its own
 * process, one can be killed ({@code kill -9 PID}, the pids are printed) while the others carry
 * on, which is what {@code bench chaos --brokers 3} does. The cost is a JVM start per broker
 * (a few seconds) and its memory (the heap is capped at {@value #HEAP}).
 */
final class BrokerProcesses implements KafkaBrokers {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerProcesses.class);
  private static final Pattern READY = Pattern.compile(Pattern.quote(BrokerNode.READY));
  private static final String HEAP = "512m";
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private final KafkaNodes nodes;
  private final Path temporaryRoot;
  private final List<ServiceProcess> processes = new ArrayList<>();
  private final Thread supervisor;
  private volatile boolean closing;

  private BrokerProcesses(KafkaNodes nodes, Path dataRoot, Path temporaryRoot) {
    this.nodes = nodes;
    this.temporaryRoot = temporaryRoot;
    for (KafkaNodes.Node node : nodes.nodes()) {
      processes.add(new ServiceProcess("broker-" + node.id(), List.of("-Xmx" + HEAP, "-XX:+UseSerialGC"),
          BrokerNode.class.getName(), List.of(BrokerNode.arguments(nodes, node.id(), logDir(dataRoot, node.id()))),
          dataRoot.resolve("logs")));
    }
    supervisor = new Thread(this::supervise, "alignstream-broker-supervisor");
    supervisor.setDaemon(true);
  }

  /** The log directory of node {@code id} under a cluster's data directory. */
  static Path logDir(Path dataRoot, int id) {
    return dataRoot.resolve("kafka-" + id);
  }

  /**
   * Starts {@code count} nodes (together: each needs a majority of the controllers to serve) and
   * waits until all serve.
   *
   * @param dataDir where each node keeps its log ({@code kafka-ID}) and output ({@code logs}), or
   *     null for a temporary directory, deleted on {@link #close}
   * @param firstPort client port of node 1, the others on the next ports; 0 for any free ports
   */
  static BrokerProcesses start(Path dataDir, int count, int firstPort) {
    Path root;
    try {
      root = dataDir != null ? dataDir : Files.createTempDirectory("alignstream-kafka");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the brokers", e);
    }
    KafkaNodes nodes = KafkaNodes.of(EmbeddedKafkaBroker.clusterIdOf(logDir(root, 1)), count, firstPort);
    BrokerProcesses brokers = new BrokerProcesses(nodes, root, dataDir == null ? root : null);
    try {
      brokers.processes.forEach(ServiceProcess::start);
      for (ServiceProcess process : brokers.processes) {
        process.await(READY, START_TIMEOUT);
      }
    } catch (RuntimeException e) {
      brokers.close();
      throw e;
    }
    brokers.supervisor.start();
    return brokers;
  }

  @Override
  public String bootstrapServers() {
    return nodes.bootstrapServers();
  }

  /** One line per broker: id, address, pid and log. */
  @Override
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < processes.size(); i++) {
      ServiceProcess process = processes.get(i);
      lines.add("broker " + nodes.node(i + 1).id() + " on " + nodes.node(i + 1).bootstrap() + ", pid " + process.pid()
          + ", log " + process.log());
    }
    return lines;
  }

  private void supervise() {
    while (!closing) {
      for (int i = 0; i < processes.size() && !closing; i++) {
        ServiceProcess process = processes.get(i);
        if (!process.alive()) {
          long pid = process.pid();
          process.start();
          LOG.info("broker {} (pid {}) exited; restarted it as pid {}", i + 1, pid, process.pid());
        }
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Stops every broker, the supervisor first: SIGTERM to all at once (each closes its log
   * cleanly; one at a time, the last ones would wait for a controller quorum that is gone).
   */
  @Override
  public void close() {
    closing = true;
    supervisor.interrupt();
    List<Thread> stopping = new ArrayList<>();
    for (ServiceProcess process : processes) {
      Thread thread = new Thread(() -> process.stop(Duration.ofSeconds(30)), "stop-" + process.name());
      thread.start();
      stopping.add(thread);
    }
    for (Thread thread : stopping) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (temporaryRoot != null) {
      TemporaryDirectory.deleteTree(temporaryRoot);
    }
  }
}
